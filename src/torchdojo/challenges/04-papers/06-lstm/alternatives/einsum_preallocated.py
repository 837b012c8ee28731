"""Gates with einsum and one stacked bias; outputs written into a preallocated tensor; the state
passed explicitly through the forecast loop."""
import math

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


class LSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        for p in self.parameters():
            nn.init.uniform_(p, -1 / math.sqrt(hidden_size), 1 / math.sqrt(hidden_size))

    def forward(self, x, state=None):
        n, size = x.shape[0], self.hidden_size
        h, c = state if state is not None else (x.new_zeros(n, size), x.new_zeros(n, size))
        pre = (torch.einsum("ni,gi->ng", x, self.weight_ih) + torch.einsum("nh,gh->ng", h, self.weight_hh)
               + (self.bias_ih + self.bias_hh))
        pre = pre.view(n, 4, size)
        input_gate, forget_gate, output_gate = (torch.sigmoid(pre[:, k]) for k in (0, 1, 3))
        candidate = torch.tanh(pre[:, 2])
        c = forget_gate * c + input_gate * candidate
        return output_gate * torch.tanh(c), c


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, x, state=None):
        n, steps, _ = x.shape
        output = x.new_zeros(n, steps, self.hidden_size)
        hc = None if state is None else (state[0][0], state[1][0])
        for t in range(steps):
            hc = self.cell(x[:, t, :], hc)
            output[:, t] = hc[0]
        return output, (hc[0].unsqueeze(0), hc[1].unsqueeze(0))


class Forecaster(nn.Module):
    def __init__(self, hidden_size: int = 32):
        super().__init__()
        self.lstm = LSTM(1, hidden_size)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x, state=None):
        features, state = self.lstm(x, state)
        return self.head(features), state


def train_forecaster(model, inputs, targets):
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    for step in range(250):
        optimizer.zero_grad()
        loss_fn(model(inputs)[0], targets).backward()
        optimizer.step()


def forecast(model, history, steps):
    model.eval()
    with torch.no_grad():
        predictions, state = model(history)
        values = [predictions[:, -1]]
        for _ in range(1, steps):
            prediction, state = model(values[-1].unsqueeze(1), state)
            values.append(prediction[:, -1])
    return torch.stack(values, dim=1)


def plot_forecast(history, truth, predicted, path):
    figure = pyplot.figure(figsize=(8, 4))
    axes = figure.add_subplot()
    start = len(history)
    axes.plot(history.tolist(), label="history")
    axes.plot(range(start, start + len(truth)), truth.tolist(), label="truth")
    axes.plot(range(start, start + len(predicted)), predicted.tolist(), label="forecast")
    axes.legend()
    figure.savefig(path)
    pyplot.close(figure)

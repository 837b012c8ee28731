"""F.linear for the gates and torch.split to cut them; the sequence unbound along time; a smaller
forecaster trained at a higher learning rate; the forecast re-reads the whole sequence every step
(slower than carrying the state, but the same numbers)."""
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        k = 1 / math.sqrt(hidden_size)
        self.weight_ih = nn.Parameter(torch.rand(4 * hidden_size, input_size) * 2 * k - k)
        self.weight_hh = nn.Parameter(torch.rand(4 * hidden_size, hidden_size) * 2 * k - k)
        self.bias_ih = nn.Parameter(torch.rand(4 * hidden_size) * 2 * k - k)
        self.bias_hh = nn.Parameter(torch.rand(4 * hidden_size) * 2 * k - k)

    def forward(self, x, state=None):
        if state is None:
            h = c = torch.zeros(x.size(0), self.hidden_size, dtype=x.dtype, device=x.device)
        else:
            h, c = state
        z = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        z_i, z_f, z_g, z_o = torch.split(z, self.hidden_size, dim=-1)
        c_next = torch.sigmoid(z_f) * c + torch.sigmoid(z_i) * torch.tanh(z_g)
        return torch.sigmoid(z_o) * torch.tanh(c_next), c_next


class LSTM(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, x, state=None):
        h_c = None if state is None else (state[0].squeeze(0), state[1].squeeze(0))
        hs = []
        for x_t in x.unbind(dim=1):
            h_c = self.cell(x_t, h_c)
            hs.append(h_c[0])
        h, c = h_c
        return torch.stack(hs, 1), (h[None], c[None])


class Forecaster(nn.Module):
    def __init__(self, hidden_size=24):
        super().__init__()
        self.lstm = LSTM(1, hidden_size)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x, state=None):
        out, state = self.lstm(x, state)
        return self.head(out), state


def train_forecaster(model, inputs, targets):
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(200):
        loss = F.mse_loss(model(inputs)[0], targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def forecast(model, history, steps):
    model.eval()
    sequence = history
    with torch.no_grad():
        for _ in range(steps):
            predictions, _ = model(sequence)
            sequence = torch.cat([sequence, predictions[:, -1:]], dim=1)
    return sequence[:, history.shape[1]:]


def plot_forecast(history, truth, predicted, path):
    plt.figure(figsize=(7, 3.5))
    n = len(history)
    plt.plot(range(n), history, "k-", label="observed")
    plt.plot(range(n, n + len(truth)), truth, "g-", label="true continuation")
    plt.plot(range(n, n + len(predicted)), predicted, "r--", label="LSTM forecast")
    plt.legend()
    plt.savefig(path)
    plt.close()

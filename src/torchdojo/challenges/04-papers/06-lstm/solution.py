"""An LSTM from the gate equations, a sequence LSTM built on it, and a sine-wave forecaster."""
import math

import matplotlib

matplotlib.use("Agg")  # draw into files, no window
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


class LSTMCell(nn.Module):
    """One time step. Parameters in nn.LSTMCell's layout: the four gates stacked in the order
    i (input), f (forget), g (cell candidate), o (output), so nn.LSTMCell's weights load unchanged."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        bound = 1 / math.sqrt(hidden_size)  # nn.LSTM's initialisation: U(-1/√H, 1/√H) for everything
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size).uniform_(-bound, bound))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size).uniform_(-bound, bound))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size).uniform_(-bound, bound))

    def forward(self, x, state=None):
        """x: (N, input_size); state: (h, c), each (N, hidden_size), or None for zeros."""
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_size)  # same device and dtype as x
            state = (zeros, zeros)
        h, c = state
        # All four gates in one product: (N, I) @ (I, 4H) + (N, H) @ (H, 4H) -> (N, 4H).
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)  # the order nn.LSTM uses: input, forget, cell, output
        i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)  # gates: how much, in (0, 1)
        g = torch.tanh(g)  # the candidate: what to write, in (-1, 1)
        c = f * c + i * g  # keep a share f of the old memory, write a share i of the new
        h = o * torch.tanh(c)  # expose a share o of the (squashed) memory
        return h, c


class LSTM(nn.Module):
    """A one-layer LSTM over a sequence, batch_first like nn.LSTM(batch_first=True)."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, x, state=None):
        """x: (N, T, input_size); state: (h0, c0), each (1, N, hidden_size), or None for zeros.
        Returns output (N, T, hidden_size), the h of every step, and (h_n, c_n), each (1, N, hidden_size)."""
        if state is not None:
            state = (state[0][0], state[1][0])  # drop the layer dimension: (1, N, H) -> (N, H)
        outputs = []
        for t in range(x.shape[1]):  # the recurrence is sequential: step t needs step t-1's state
            state = self.cell(x[:, t], state)
            outputs.append(state[0])
        h, c = state
        return torch.stack(outputs, dim=1), (h.unsqueeze(0), c.unsqueeze(0))


class Forecaster(nn.Module):
    """Reads a sequence of values and predicts, at every step, the next one."""

    def __init__(self, hidden_size: int = 32):
        super().__init__()
        self.lstm = LSTM(1, hidden_size)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x, state=None):
        """x: (N, T, 1) -> predictions (N, T, 1) and the LSTM's final state (to go on from)."""
        output, state = self.lstm(x, state)
        return self.head(output), state


def train_forecaster(model: Forecaster, inputs: torch.Tensor, targets: torch.Tensor) -> None:
    """Train in place: at every step of `inputs` (N, T, 1), predict the value `targets` holds there."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(250):  # full batch: the sequences are short and few
        optimizer.zero_grad()
        predictions, _ = model(inputs)
        loss = nn.functional.mse_loss(predictions, targets)
        loss.backward()
        optimizer.step()


@torch.no_grad()
def forecast(model: Forecaster, history: torch.Tensor, steps: int) -> torch.Tensor:
    """Read `history` (N, T, 1), then predict `steps` values, each fed back as the next input.
    Returns (N, steps, 1)."""
    model.eval()
    predictions, state = model(history)  # the state after reading the whole history
    value = predictions[:, -1:]  # the first forecast: the prediction after the last observed value
    future = [value]
    for _ in range(steps - 1):
        # Only the new value goes in: the state carries everything seen so far.
        value, state = model(value, state)
        future.append(value)
    return torch.cat(future, dim=1)


def plot_forecast(history: torch.Tensor, truth: torch.Tensor, predicted: torch.Tensor, path: str) -> None:
    """Save a PNG at `path`: one series' history (T,), then its true continuation and the forecast (K,)."""
    t_history = torch.arange(len(history))
    t_future = torch.arange(len(history), len(history) + len(truth))
    figure, axes = plt.subplots(figsize=(8, 4))
    axes.plot(t_history.numpy(), history.numpy(), color="black", label="history")
    axes.plot(t_future.numpy(), truth.numpy(), color="tab:green", label="truth")
    axes.plot(t_future.numpy(), predicted.numpy(), color="tab:red", linestyle="--", label="forecast")
    axes.axvline(len(history) - 0.5, color="grey", linewidth=0.8)
    axes.set(xlabel="time step", ylabel="value", title="LSTM forecast")
    axes.legend()
    figure.savefig(path, dpi=100)
    plt.close(figure)

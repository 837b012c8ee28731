"""An LSTM from the gate equations, a sequence LSTM built on it, and a sine-wave forecaster.

Run `torchdojo check lstm` to grade this file.
"""
import math

import matplotlib

matplotlib.use("Agg")  # draw into files, no window
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


class LSTMCell(nn.Module):
    """One time step, with nn.LSTMCell's parameters: weight_ih (4H, I), weight_hh (4H, H), bias_ih (4H,),
    bias_hh (4H,), the four gates stacked in the order i, f, g, o."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        # TODO 1: the four parameters, initialised like nn.LSTM: U(-1/sqrt(H), 1/sqrt(H))
        raise NotImplementedError("TODO: create weight_ih, weight_hh, bias_ih and bias_hh")

    def forward(self, x, state=None):
        """x: (N, input_size); state: (h, c), each (N, hidden_size), or None for zeros. Returns (h', c')."""
        # TODO 2: the gates i, f, g, o from x and h; then c' = f*c + i*g and h' = o*tanh(c')
        raise NotImplementedError("TODO: one LSTM step from the gate equations")


class LSTM(nn.Module):
    """A one-layer LSTM over a sequence, batch_first like nn.LSTM(batch_first=True); its LSTMCell is self.cell."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, x, state=None):
        """x: (N, T, input_size); state: (h0, c0), each (1, N, hidden_size), or None for zeros.
        Returns output (N, T, hidden_size), the h of every step, and (h_n, c_n), each (1, N, hidden_size)."""
        # TODO 3: step through time, carrying the state from each step to the next
        raise NotImplementedError("TODO: run the cell over the sequence")


class Forecaster(nn.Module):
    """Reads a sequence of values and predicts, at every step, the next one."""

    def __init__(self, hidden_size: int = 32):
        super().__init__()
        # TODO 4: an LSTM(1, hidden_size) and a Linear head from hidden_size to 1
        raise NotImplementedError("TODO: build the forecaster")

    def forward(self, x, state=None):
        """x: (N, T, 1) -> predictions (N, T, 1) and the LSTM's final state (to go on from)."""
        raise NotImplementedError("TODO: predictions at every step, and the final state")


def train_forecaster(model: Forecaster, inputs: torch.Tensor, targets: torch.Tensor) -> None:
    """Train in place: at every step of `inputs` (N, T, 1), predict the value `targets` holds there."""
    # TODO 5: an optimizer, MSE against the targets, enough steps (it must fit in the time limit)
    raise NotImplementedError("TODO: train the forecaster")


def forecast(model: Forecaster, history: torch.Tensor, steps: int) -> torch.Tensor:
    """Read `history` (N, T, 1), then predict `steps` values, each fed back as the next input.
    Returns (N, steps, 1)."""
    # TODO 6: read the history, then feed each prediction back in, carrying the state
    raise NotImplementedError("TODO: forecast autoregressively")


def plot_forecast(history: torch.Tensor, truth: torch.Tensor, predicted: torch.Tensor, path: str) -> None:
    """Save a PNG at `path`: one series' history (T,), then its true continuation and the forecast (K,)."""
    # TODO 7: plot the three curves against time and save the figure to `path`
    raise NotImplementedError("TODO: plot the forecast")

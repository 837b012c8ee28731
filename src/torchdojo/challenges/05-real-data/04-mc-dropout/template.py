"""Monte Carlo dropout: many stochastic forward passes with dropout on and BatchNorm in eval mode, their
mean probability, and a histogram of the class each pass votes for.

Run `torchdojo check mc-dropout` to grade this file.
"""
import matplotlib

matplotlib.use("Agg")  # draw into files, no window
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


def enable_mc_dropout(model: nn.Module) -> None:
    """Put BatchNorm (and everything else) in eval mode, but every dropout layer in training mode."""
    # TODO 1: eval mode for the whole model, then train mode for each dropout module, nested ones too
    raise NotImplementedError("TODO: switch the model to eval mode with dropout on")


def mc_predict(model: nn.Module, x: torch.Tensor, passes: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    """Returns (mean, samples): samples (passes, N, C) are the softmax probabilities of each stochastic
    pass, mean (N, C) their average. Leaves every module of the model in the mode it found it in."""
    # TODO 2: remember the modes, enable MC dropout, run `passes` forward passes without autograd,
    #         restore the modes, return (mean of the probabilities, the probabilities of each pass)
    raise NotImplementedError("TODO: run the stochastic passes")


def class_histogram(probabilities: torch.Tensor, path: str, class_names: list[str] | None = None) -> torch.Tensor:
    """For one image's samples (passes, C): the number of passes voting for each class (int64, shape (C,)),
    and a bar chart of those counts saved as a PNG at `path`."""
    # TODO 3: count the argmax of each pass per class, draw the bars, save the figure to `path`
    raise NotImplementedError("TODO: count the votes and save the histogram")

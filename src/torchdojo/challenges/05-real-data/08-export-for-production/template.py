"""Export a trained model for production: a torch.export program and a TorchScript module, each a
file that loads and runs without the Python class that defined the model.

Run `torchdojo check export-for-production` to grade this file.
"""
import torch
from torch import nn


def export_program(model: nn.Module, example: torch.Tensor, path: str) -> None:
    """Save `model` (as training left it) with torch.export to `path`: inference behaviour, any batch size."""
    # TODO 1: put the model in inference mode (what does a model fresh from training do with dropout?)
    # TODO 2: make the batch dimension (dimension 0 of the one input) dynamic with torch.export.Dim
    # TODO 3: torch.export.export(model, (example,), dynamic_shapes=...), then torch.export.save to `path`
    raise NotImplementedError("TODO: export the model with torch.export and save it")


def export_torchscript(model: nn.Module, example: torch.Tensor, path: str) -> None:
    """Save `model` as TorchScript to `path`: inference behaviour, loadable with torch.jit.load."""
    # TODO 4: inference mode, then torch.jit.script (or torch.jit.trace with `example`) and save to `path`
    raise NotImplementedError("TODO: compile the model to TorchScript and save it")

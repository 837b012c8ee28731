"""TorchScript by tracing (the operations run on the example are recorded), and torch.export with
Dim.AUTO: the exporter decides which sizes are dynamic. Both under torch.no_grad and in eval mode."""
import torch
from torch import nn


@torch.no_grad()
def export_program(model: nn.Module, example: torch.Tensor, path: str) -> None:
    model.train(False)
    program = torch.export.export(model, (example,), dynamic_shapes=({0: torch.export.Dim.AUTO},))
    torch.export.save(program, path)


@torch.no_grad()
def export_torchscript(model: nn.Module, example: torch.Tensor, path: str) -> None:
    model.train(False)
    traced = torch.jit.trace(model, example)  # batch-size agnostic: nothing in forward depends on the size
    traced.save(path)

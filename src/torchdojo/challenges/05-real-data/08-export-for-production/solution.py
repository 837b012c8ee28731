"""Export a trained model for production: a torch.export program and a TorchScript module, each a
file that loads and runs without the Python class that defined the model."""
import torch
from torch import nn


def export_program(model: nn.Module, example: torch.Tensor, path: str) -> None:
    # A model fresh from training is in train mode: dropout drops units at random and batch norm
    # normalises with the batch's own statistics (and updates its running ones). Export records the
    # operations as they run now, so switch to inference behaviour first, before anything runs.
    model.eval()
    # Without dynamic_shapes, export specialises every size to the example's: the program would only
    # accept batches of exactly example.shape[0]. Dim marks dimension 0 of the first input as
    # symbolic, so the program holds for any batch size in [min, max].
    batch = torch.export.Dim("batch", min=1, max=4096)
    program = torch.export.export(model, (example,), dynamic_shapes=({0: batch},))
    # A .pt2 archive: the graph of ATen operations, the weights and the buffers. No pickled Python
    # classes, so torch.export.load(path).module() runs it in any process that has torch.
    torch.export.save(program, path)


def export_torchscript(model: nn.Module, example: torch.Tensor, path: str) -> None:
    model.eval()  # the same reason: a scripted module keeps the training flag it had when saved
    # torch.jit.script compiles forward's Python source (control flow included) into TorchScript;
    # torch.jit.trace would record the operations run on `example` instead. Either way the file holds
    # code and weights, and torch.jit.load(path) needs no class (even from C++, with libtorch).
    scripted = torch.jit.script(model)
    scripted.save(path)

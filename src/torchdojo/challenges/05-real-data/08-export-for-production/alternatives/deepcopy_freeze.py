"""Export a copy in eval mode (the caller's model keeps its training flag), Dim's default range, and a
frozen TorchScript module (weights inlined as constants, which freeze allows only in eval mode)."""
import copy

import torch
from torch.export import Dim


def export_program(model, example, path):
    frozen = copy.deepcopy(model).eval()
    program = torch.export.export(frozen, args=(example,), dynamic_shapes=[{0: Dim("n")}])
    torch.export.save(program, path)


def export_torchscript(model, example, path):
    scripted = torch.jit.script(copy.deepcopy(model).eval())
    torch.jit.save(torch.jit.freeze(scripted), path)

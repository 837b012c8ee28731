"""When a torch operation in the learner's code fails on its operands (shapes that do not fit, dtypes or
devices that differ), say so with the operands in view:

    matmul got (32, 5) float32 @ (3, 5) float32: the inner sizes 5 and 3 differ; the second one
    transposed, (5, 3), would fit: did you mean `.T`?

Runs in the learner's process, around each direct call of the learner's code: a TorchFunctionMode
sees every torch function, method and operator with its arguments, and tags the exception the first
(innermost) failing one raises. It only describes; the grader shows the text beside the learner's line.
"""
from __future__ import annotations

from typing import Any

import torch
from torch.overrides import TorchFunctionMode

MATMUL = {"matmul", "mm", "bmm", "__matmul__", "__rmatmul__", "linear", "addmm", "baddbmm", "mv", "einsum"}
ATTRIBUTE = "_torchdojo_operands"


class OperandWitness(TorchFunctionMode):
    """Tags an exception raised by a torch operation with a description of the operation's operands."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        try:
            return func(*args, **kwargs)
        except (RuntimeError, ValueError, TypeError, IndexError) as exc:
            if not hasattr(exc, ATTRIBUTE):
                try:
                    setattr(exc, ATTRIBUTE, describe_operation(func, args, kwargs))
                except Exception:  # noqa: BLE001 - a description must never replace the real error
                    pass
            raise


def operands_of(exc: BaseException) -> str:
    """The description a failing operation left on `exc` ('' if none)."""
    text = getattr(exc, ATTRIBUTE, "")
    return text if isinstance(text, str) else ""


def _brief(t: torch.Tensor) -> str:
    device = "" if t.device.type == "cpu" else f" on {t.device}"
    return f"{tuple(t.shape)} {str(t.dtype).removeprefix('torch.')}{device}"


def describe_operation(func: Any, args: tuple, kwargs: dict) -> str:
    name = getattr(func, "__name__", str(func))
    tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)]
    if name == "linear" and len(tensors) >= 2:  # F.linear(x, W) is x @ W.T
        shown = f"{_brief(tensors[0])} with weight {_brief(tensors[1])}"
    elif name in MATMUL and len(tensors) == 2:
        shown = f"{_brief(tensors[0])} @ {_brief(tensors[1])}"
    else:
        shown = ", ".join(_brief(t) for t in tensors) or "no tensors"
    advice = _advice(name, tensors)
    return f"{name} got {shown}" + (f": {advice}" if advice else "")


def _advice(name: str, tensors: list[torch.Tensor]) -> str:
    dtypes = sorted({str(t.dtype).removeprefix("torch.") for t in tensors if t.is_floating_point()})
    if len(dtypes) > 1:
        return (f"the dtypes differ ({' and '.join(dtypes)}): a NumPy array or a Python float64 leaked in; "
                "make every tensor float32 (torch.from_numpy(...).float(), or create it with torch)")
    devices = sorted({str(t.device) for t in tensors})
    if len(devices) > 1:
        return f"the tensors are on different devices ({' and '.join(devices)}): move them with .to(device)"
    if name in MATMUL and len(tensors) >= 2:
        return _matmul_advice(name, tensors[0], tensors[1])
    shapes = [tuple(t.shape) for t in tensors]
    if len(shapes) == 2:
        return _broadcast_advice(*shapes)
    return ""


def _matmul_advice(name: str, a: torch.Tensor, b: torch.Tensor) -> str:
    if a.dim() == 0 or b.dim() == 0:
        return "a 0-dim tensor (a scalar) cannot take part in a matrix product; use * for scaling"
    if name == "linear":
        inner, other = b.shape[-1], a.shape[-1]
        if inner == other:
            return ""
        fits = " (the weight is stored (out, in): did you build it (in, out)?)" if b.shape[0] == other else ""
        return f"the input's last size {other} is not the weight's in_features {inner}{fits}"
    left, right = a.shape[-1], b.shape[-2] if b.dim() > 1 else b.shape[0]
    if left == right:
        return ""
    message = f"the inner sizes {left} and {right} differ"
    if b.dim() > 1 and b.shape[-1] == left:
        swapped = (*b.shape[:-2], b.shape[-1], b.shape[-2])
        message += f"; the second one transposed, {swapped}, would fit: did you mean `.T` (or .mT)?"
    elif a.dim() > 1 and a.shape[-2] == right:
        message += "; the first one transposed would fit: did you mean `.T` on it?"
    return message


def _broadcast_advice(first: tuple[int, ...], second: tuple[int, ...]) -> str:
    for k in range(1, min(len(first), len(second)) + 1):
        x, y = first[-k], second[-k]
        if x != y and 1 not in (x, y):
            return (f"shapes {first} and {second} do not broadcast: dimension {-k} is {x} in one and {y} in the "
                    "other (each pair must be equal, or one of them 1; unsqueeze or reshape to line them up)")
    return ""

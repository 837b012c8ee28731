"""Assertions for `checks.py`: each raises :class:`CheckFailed` with a sentence a learner can act on.

A check is a function ``check_<something>(learner)`` whose docstring's first line says what it
checks; `learner` is the learner's module (or notebook objects). Checks build their inputs from
their own seeded generator (:func:`rng`), never by reseeding the learner's global RNG.

    def check_matches_builtin(learner):
        \"\"\"HuberLoss(delta) equals F.huber_loss for several deltas.\"\"\"
        pred, target = randn(rng(0), 8, 5), randn(rng(1), 8, 5)
        for delta in (0.5, 1.0, 2.0):
            expect_close(learner.HuberLoss(delta)(pred, target), F.huber_loss(pred, target, delta=delta),
                         what=f"HuberLoss({delta})")
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import torch

from torchdojo.grading.diagnostics import fingerprint, mismatch_summary


class CheckFailed(AssertionError):
    """A check's verdict that the learner's answer is wrong.

    `fingerprint` describes the wrong answer compactly (defaults to the message) so that the
    grader can recognise a known mistake that fails the same way.
    """

    def __init__(self, message: str, fingerprint: str | None = None):
        super().__init__(message)
        self.message = message
        self.fingerprint = message if fingerprint is None else fingerprint


def expect(condition: object, message: str, fingerprint: str | None = None) -> None:
    """Fail with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message, fingerprint)


def rng(seed: int) -> torch.Generator:
    """A private generator for a check's inputs; the learner's global RNG is left alone."""
    return torch.Generator().manual_seed(seed)


def randn(generator: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(shape, generator=generator, dtype=dtype)  # a tuple, so () gives a 0-dim tensor


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block with the global RNG seeded, restoring the learner's RNG state afterwards
    (for code that draws from the global RNG itself, such as a module's weight init)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def expect_tensor(got: Any, what: str) -> torch.Tensor:
    expect(isinstance(got, torch.Tensor),
           f"{what} should be a torch.Tensor, got {type(got).__name__}", f"type:{type(got).__name__}")
    return got


def expect_shape(got: Any, shape: tuple[int, ...] | torch.Size, what: str = "output") -> None:
    expect_tensor(got, what)
    expect(tuple(got.shape) == tuple(shape),
           f"{what} has shape {tuple(got.shape)}, expected {tuple(shape)}", f"shape:{tuple(got.shape)}")


def expect_dtype(got: torch.Tensor, dtype: torch.dtype, what: str = "output") -> None:
    expect(got.dtype == dtype, f"{what} has dtype {got.dtype}, expected {dtype}", f"dtype:{got.dtype}")


def expect_finite(got: torch.Tensor, what: str = "output") -> None:
    """No NaN or inf anywhere; names the first bad index."""
    bad = ~torch.isfinite(got.detach())
    if bad.any():
        index = tuple(int(i) for i in bad.nonzero()[0])
        kind = "NaN" if torch.isnan(got.detach()[index]) else "inf"
        raise CheckFailed(f"{what} contains {int(bad.sum())} non-finite values (first: {kind} at index "
                          f"{index if len(index) != 1 else index[0]})", f"nonfinite:{int(bad.sum())}")


def expect_close(got: Any, expected: torch.Tensor, what: str = "output", *,
                 rtol: float = 1e-5, atol: float = 1e-6, check_dtype: bool = True) -> None:
    """Type, shape, dtype, finiteness, then values, each failure with its own precise sentence."""
    expect_tensor(got, what)
    expect_shape(got, expected.shape, what)
    if check_dtype:
        expect_dtype(got, expected.dtype, what)
    if torch.isfinite(expected).all():
        expect_finite(got, what)
    summary = mismatch_summary(got, expected, rtol=rtol, atol=atol)
    if summary is not None:
        raise CheckFailed(f"{what} is wrong: {summary}", fingerprint(got))


def expect_grad_close(tensor: torch.Tensor, expected_grad: torch.Tensor, what: str, **tolerances: float) -> None:
    """`tensor.grad` exists and matches `expected_grad`."""
    expect(tensor.grad is not None,
           f"{what} received no gradient: is it part of the computation, and does it require grad?",
           "nograd")
    expect_close(tensor.grad, expected_grad, what=f"gradient of {what}", **tolerances)


def expect_equal(got: Any, expected: Any, what: str) -> None:
    """Plain equality for non-tensors (shapes, lists, counts, names)."""
    expect(got == expected, f"{what} is {got!r}, expected {expected!r}", f"equal:{fingerprint(got)}")


def expect_unchanged(before: torch.Tensor, after: torch.Tensor, what: str) -> None:
    """An input was not modified in place."""
    expect(torch.equal(before, after),
           f"{what} was modified in place; return a new tensor instead of changing the input",
           "inplace")


def count_torch_calls(fn: Callable[[], Any]) -> int:
    """How many torch functions and tensor methods `fn()` calls: a loop over the data shows up
    as a count that grows with the data; vectorised code makes the same calls at any size."""
    from torch.overrides import TorchFunctionMode

    class Counter(TorchFunctionMode):
        calls = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            Counter.calls += 1
            return func(*args, **(kwargs or {}))

    with Counter():
        fn()
    return Counter.calls


def expect_vectorised(make_call: Callable[[int], Callable[[], Any]], sizes: tuple[int, int] = (4, 32),
                      what: str = "your function") -> None:
    """The number of torch calls does not grow with the input size (no Python loop over rows)."""
    small, large = (count_torch_calls(make_call(n)) for n in sizes)
    expect(large <= small,
           f"{what} makes {small} torch calls for {sizes[0]} rows but {large} for {sizes[1]}: "
           "it loops in Python; use broadcasting so the whole computation is a few tensor operations",
           f"loops:{large > small}")

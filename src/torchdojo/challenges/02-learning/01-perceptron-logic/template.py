"""Perceptrons as logical operators: a step perceptron, weights for AND, OR, NAND and NOT, and XOR as
two layers of perceptrons.

Run `torchdojo check perceptron-logic` to grade this file.
"""
import torch


def perceptron(x: torch.Tensor, w: torch.Tensor, b) -> torch.Tensor:
    """step(x @ w + b): 1.0 where x @ w + b >= 0, else 0.0, in x's dtype. x (..., n); w (n,) gives shape
    (...), w (n, k) with b of shape (k,) gives a layer of k perceptrons, shape (..., k)."""
    # TODO 1: the weighted sum, then the step function (a float tensor of 0s and 1s)
    raise NotImplementedError("TODO: compute step(x @ w + b)")


def and_weights() -> tuple[torch.Tensor, float]:
    """(w of shape (2,), b) such that perceptron(x, w, b) is x1 AND x2 on the four points of {0, 1}²."""
    # TODO 2: weights and bias for AND, with every point well away from the line
    raise NotImplementedError("TODO: choose AND's weights and bias")


def or_weights() -> tuple[torch.Tensor, float]:
    """(w of shape (2,), b) for x1 OR x2."""
    # TODO 3: weights and bias for OR
    raise NotImplementedError("TODO: choose OR's weights and bias")


def nand_weights() -> tuple[torch.Tensor, float]:
    """(w of shape (2,), b) for NOT (x1 AND x2)."""
    # TODO 4: weights and bias for NAND
    raise NotImplementedError("TODO: choose NAND's weights and bias")


def not_weights() -> tuple[torch.Tensor, float]:
    """(w of shape (1,), b) for NOT x: one input."""
    # TODO 5: weight and bias for NOT
    raise NotImplementedError("TODO: choose NOT's weight and bias")


def xor(x: torch.Tensor) -> torch.Tensor:
    """x1 XOR x2 for x of shape (..., 2), as 0.0/1.0 of shape (...), computed by calling `perceptron`:
    a hidden layer of perceptrons, then an output perceptron on their outputs."""
    # TODO 6: two layers of perceptrons (which gates combine into XOR?)
    raise NotImplementedError("TODO: build XOR from two layers of perceptrons")

"""Perceptrons as logical operators: a step perceptron, weights for AND, OR, NAND and NOT, and XOR as
two layers of perceptrons."""
import torch


def perceptron(x: torch.Tensor, w: torch.Tensor, b) -> torch.Tensor:
    # The weighted sum z = x·w + b, then the step function: 1 where z ≥ 0, else 0 (the course's
    # convention: a point exactly on the line counts as positive). With w of shape (n,) that is one
    # perceptron; with w of shape (n, k) and b of shape (k,), k perceptrons side by side: a layer.
    # x @ w treats any leading dimensions of x as batch dimensions.
    z = x @ w + b
    # The comparison gives booleans; .to(x.dtype) turns them into 0.0/1.0 in the input's dtype, so the
    # output can be fed straight into the next layer.
    return (z >= 0).to(x.dtype)


# Each gate is a line (a hyperplane) that puts the truth table's 1s on one side and its 0s on the other.
# Weights of 1 and a bias halfway between the sums: the line then sits as far as it can from every
# point (a margin of 0.5/√2 ≈ 0.35), so a slightly noisy input still gets the right answer. The
# course's AND answer (1, 1, −2) also works, but puts (1, 1) exactly ON the line: fragile.


def and_weights() -> tuple[torch.Tensor, float]:
    # x1 + x2 − 1.5 ≥ 0 only when both are 1 (sum 2)
    return torch.tensor([1.0, 1.0]), -1.5


def or_weights() -> tuple[torch.Tensor, float]:
    # x1 + x2 − 0.5 ≥ 0 as soon as one is 1: the same line as AND, shifted
    return torch.tensor([1.0, 1.0]), -0.5


def nand_weights() -> tuple[torch.Tensor, float]:
    # NOT AND: every sign of AND flipped, so the sides swap
    return torch.tensor([-1.0, -1.0]), 1.5


def not_weights() -> tuple[torch.Tensor, float]:
    # One input: −x + 0.5 is +0.5 for 0 and −0.5 for 1. Without the bias, x = 0 sits on the boundary.
    return torch.tensor([-1.0]), 0.5


def xor(x: torch.Tensor) -> torch.Tensor:
    # No single line separates XOR's 1s, (0, 1) and (1, 0), from its 0s, (0, 0) and (1, 1). Two lines do:
    # XOR(a, b) = AND(NAND(a, b), OR(a, b)). The hidden layer computes NAND and OR side by side (a weight
    # matrix with one column per perceptron); the output perceptron ANDs them.
    (w_nand, b_nand), (w_or, b_or) = nand_weights(), or_weights()
    w_hidden = torch.stack([w_nand, w_or], dim=1)  # (2 inputs, 2 perceptrons)
    b_hidden = torch.tensor([b_nand, b_or])
    hidden = perceptron(x, w_hidden, b_hidden)  # (..., 2): NAND(a, b), OR(a, b)
    w_out, b_out = and_weights()
    return perceptron(hidden, w_out, b_out)

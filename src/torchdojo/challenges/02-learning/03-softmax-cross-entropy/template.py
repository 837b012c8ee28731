"""Softmax, one-hot encoding and the cross-entropy losses, written from tensor operations.

Run `torchdojo check softmax-cross-entropy` to grade this file.
Do not call the built-ins you are writing (softmax, log_softmax, logsumexp, one_hot, cross_entropy,
nll_loss, binary_cross_entropy*): exp, log, log1p, sum, amax, gather, arange, comparisons are yours.
"""
import torch


def softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """exp(x_i) / Σ_j exp(x_j) along `dim`, without overflow for logits as large as ±1e4."""
    # TODO 1: subtract the largest logit along `dim` (keepdim=True), exponentiate, divide by the sum along `dim`
    raise NotImplementedError("TODO: write a numerically stable softmax along dim")


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """labels of any shape (int64 class indices) -> shape (*labels.shape, num_classes), int64, a 1 at each label."""
    # TODO 2: compare each label with every class index 0 … num_classes-1 (broadcasting), as int64
    raise NotImplementedError("TODO: one-hot encode the labels")


def cross_entropy(logits: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """logits (N, C), target (N,) class indices: -log softmax(logits)[target] per example, then reduced
    by "mean" (default), "sum" or "none"."""
    # TODO 3: a stable log-softmax over the classes (dimension 1): (x - m) - log Σ exp(x - m)
    # TODO 4: each example's log-probability of its target class; the loss is its negative, reduced
    raise NotImplementedError("TODO: compute the multi-class cross-entropy from logits")


def binary_cross_entropy_with_logits(logits: torch.Tensor, target: torch.Tensor,
                                     reduction: str = "mean") -> torch.Tensor:
    """logits z and targets y in [0, 1] of the same shape: -[y log σ(z) + (1 - y) log(1 - σ(z))] per
    element, computed without overflow for |z| up to 1e4, then reduced like cross_entropy."""
    # TODO 5: rewrite the log-loss in terms of z so that no exp gets a positive argument
    raise NotImplementedError("TODO: compute the binary cross-entropy from logits")

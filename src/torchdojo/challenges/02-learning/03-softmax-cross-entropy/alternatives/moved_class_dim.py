"""Softmax on a view with the class dimension moved last; where-based binary loss; scatter one-hot."""
import torch


def softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    moved = logits.movedim(dim, -1)
    e = torch.exp(moved - moved.max(-1, keepdim=True)[0])
    return (e / e.sum(-1, keepdim=True)).movedim(-1, dim)


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    out = torch.zeros(*labels.shape, num_classes, dtype=torch.int64)
    return out.scatter(-1, labels.unsqueeze(-1), 1)


def cross_entropy(logits, target, reduction="mean"):
    m = logits.max(dim=1, keepdim=True).values
    lse = m.squeeze(1) + torch.log(torch.exp(logits - m).sum(dim=1))  # log Σ exp, shifted
    losses = lse - logits[torch.arange(len(target)), target]
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    # log(1 + e^{-|z|}) plus the part of the loss that is linear in z, chosen by the sign of z
    tail = torch.log1p(torch.exp(-logits.abs()))
    linear = torch.where(logits > 0, logits * (1 - target), -logits * target)
    losses = linear + tail
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses

"""Softmax as exp(z − logsumexp(z)), the log-domain form (rounds differently from exp(z − m) / Σ at 1e4)."""
import torch


def softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    # exp(z - logsumexp(z)): never overflows either, though forming m + log Σ at 1e4 rounds to ~1e-3
    m = logits.amax(dim, keepdim=True)
    lse = m + (logits - m).exp().sum(dim, keepdim=True).log()
    return (logits - lse).exp()


def log_softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:
    # log softmax(x)_i = x_i - log Σ_j exp(x_j), with the same shift: (x_i - m) - log Σ_j exp(x_j - m).
    # The sum is >= 1, so its log is finite; log(softmax(x)) would be log(0) = -inf for a far-behind class.
    shifted = logits - logits.amax(dim=dim, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    # Compare every label with every class index at once: (..., 1) == (num_classes,) broadcasts to
    # (..., num_classes), True exactly where the class is the label. num_classes comes from the caller:
    # a batch that happens to hold no example of the last class still needs a column for it.
    classes = torch.arange(num_classes, device=labels.device)
    return (labels.unsqueeze(-1) == classes).long()  # int64, like F.one_hot


def _reduce(losses: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return losses.mean()  # the average over examples: the loss's scale does not depend on the batch size
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', not {reduction!r}")


def cross_entropy(logits: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    # logits: (N, C) raw scores, target: (N,) class indices. The loss of one example is -log p[target],
    # computed from the log-softmax of the logits (never log of the softmax: see log_softmax).
    log_probs = log_softmax(logits, dim=1)  # the classes are dimension 1
    # Pick each row's log-probability of its own class: gather along dim 1 with an (N, 1) index.
    # (Σ_c one_hot[c] · log p[c] is the same number: the one-hot row keeps one term.)
    picked = log_probs.gather(1, target.unsqueeze(1)).squeeze(1)
    return _reduce(-picked, reduction)


def binary_cross_entropy_with_logits(logits: torch.Tensor, target: torch.Tensor,
                                     reduction: str = "mean") -> torch.Tensor:
    # -[y log σ(z) + (1 - y) log(1 - σ(z))] simplifies to  z - z·y + log(1 + exp(-z))  and, to keep exp's
    # argument <= 0 whatever the sign of z,  max(z, 0) - z·y + log(1 + exp(-|z|)).
    # No sigmoid and no log of a probability: σ(20) is exactly 1.0 in float32, and log(1 - 1) = -inf.
    # log1p(u) is log(1 + u), accurate when u is tiny.
    losses = logits.clamp(min=0) - logits * target + torch.log1p(torch.exp(-logits.abs()))
    return _reduce(losses, reduction)

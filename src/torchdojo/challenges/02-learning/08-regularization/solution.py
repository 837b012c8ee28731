"""Regularization by hand: L1 and L2 penalties on a model's weights, and inverted dropout."""
import torch
from torch import nn


def _weights(model: nn.Module):
    # Weights only: the biases (parameters whose name ends in "bias") are left out. A bias only shifts a
    # unit's output; shrinking it does not make the function simpler, and it is the usual practice
    # (the same split as giving biases weight_decay=0 in an optimizer's param groups).
    return [p for name, p in model.named_parameters() if not name.endswith("bias")]


def l1_penalty(model: nn.Module, lam: float) -> torch.Tensor:
    # λ·Σ|w|. Its gradient λ·sign(w) has the same size for every weight, so small weights are pushed all
    # the way to 0: L1 gives sparse models. abs() has gradient 0 at w = 0 (torch's choice of subgradient);
    # sqrt(w²) would give 0/0 = NaN there.
    return lam * sum(w.abs().sum() for w in _weights(model))


def l2_penalty(model: nn.Module, lam: float) -> torch.Tensor:
    # (λ/2)·Σw². The ½ makes the gradient exactly λ·w, so a plain SGD step on loss + penalty is
    # w ← w − lr·(∇loss + λ·w): what torch.optim.SGD(weight_decay=λ) does. Without the ½ the decay is 2λ.
    return lam / 2 * sum((w * w).sum() for w in _weights(model))


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    # Inverted dropout: during training each unit is zeroed with probability p, independently, and the
    # survivors are scaled by 1/(1 − p), so that the expected output equals x. At evaluation nothing
    # happens at all: no mask and no rescaling (the scaling was already done in training).
    if not training:
        return x
    if p == 1:
        return torch.zeros_like(x)  # everything dropped; 1/(1 − p) would divide by zero
    keep = (torch.rand_like(x) >= p).to(x.dtype)  # 1 with probability 1 − p: a fresh mask every call
    # One multiplication by the mask: the gradient flows to the kept units only, scaled the same way.
    return x * keep / (1 - p)

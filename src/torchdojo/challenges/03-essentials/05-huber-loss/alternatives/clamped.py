"""Huber loss without a mask: clamp |r| at δ, then the two pieces add up on their own.

With q = min(|r|, δ): ½·q² + δ·(|r| − q) is ½·r² when |r| ≤ δ (q = |r|) and δ·(|r| − ½·δ) beyond.
"""
import torch
import torch.nn as nn


class HuberLoss(nn.Module):
    def __init__(self, delta=1.0, reduction="mean"):
        super().__init__()
        self.delta, self.reduction = delta, reduction

    def forward(self, prediction, target):
        size = (prediction - target).abs()
        q = size.clamp(max=self.delta)
        loss = 0.5 * q * q + self.delta * (size - q)
        return {"mean": torch.mean, "sum": torch.sum, "none": lambda t: t}[self.reduction](loss)

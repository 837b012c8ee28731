"""One attention head: softmax(Q Kᵀ / √d_k) V, with its own query, key and value projections."""
import math

import torch
from torch import nn


class AttentionHead(nn.Module):
    def __init__(self, d_model: int, d_head: int):
        super().__init__()
        self.d_head = d_head
        # Three learned views of every token: what it looks for (query), what it offers to be found
        # by (key), and what it hands over when it is attended to (value). Each is its own nn.Linear,
        # so nothing forces a token to look for what it offers: QKᵀ need not be symmetric.
        self.query = nn.Linear(d_model, d_head)
        self.key = nn.Linear(d_model, d_head)
        self.value = nn.Linear(d_model, d_head)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None, mask: torch.Tensor | None = None,
                causal: bool = False) -> torch.Tensor:
        # Self-attention reads its keys and values from x itself; cross-attention from another sequence.
        context = x if context is None else context
        q = self.query(x)  # (B, Tq, d_head)
        k = self.key(context)  # (B, Tk, d_head)
        v = self.value(context)  # (B, Tk, d_head)

        # Row i, column j: how well query i matches key j. Dividing by √d_k keeps the scores' variance
        # near 1 whatever the head size (a dot product of d_k unit-variance terms has variance d_k), so
        # the softmax does not saturate into a one-hot with vanishing gradients.
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # (B, Tq, Tk)

        # Masks act on the scores, BEFORE the softmax: a blocked pair gets -inf, so e^(-inf) = 0 and the
        # weights of the allowed keys still sum to 1. Boolean: True = may attend (like
        # F.scaled_dot_product_attention). Float: added to the scores (0 keeps, -inf blocks).
        if mask is not None and mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        elif mask is not None:
            scores = scores + mask
        if causal:
            # Query i may look at keys 0..i only: the strictly upper triangle is the future. Built on the
            # scores' device, so the module runs unchanged on a GPU.
            future = torch.ones(scores.shape[-2:], dtype=torch.bool, device=scores.device).triu(1)  # (Tq, Tk)
            scores = scores.masked_fill(future, float("-inf"))

        # Softmax over the KEYS (the last axis): each query distributes one unit of attention over the
        # keys. A query with every key blocked would give 0/0 = NaN; it gets no weight at all instead
        # (output 0), computed so that even its gradient stays finite.
        empty = torch.isneginf(scores).all(dim=-1, keepdim=True)  # (B, Tq, 1)
        weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=-1)  # (B, Tq, Tk), rows sum to 1
        weights = weights.masked_fill(empty, 0.0)
        return weights @ v  # (B, Tq, Tk) @ (B, Tk, d_head) -> (B, Tq, d_head)

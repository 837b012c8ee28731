"""One attention head: softmax(Q Kᵀ / √d_k) V, with its own query, key and value projections.

Run `torchdojo check attention-head` to grade this file.
"""
import math

import torch
from torch import nn


class AttentionHead(nn.Module):
    def __init__(self, d_model: int, d_head: int):
        """Projections `query`, `key` and `value`: three nn.Linear(d_model, d_head), with bias."""
        super().__init__()
        self.d_head = d_head
        # TODO 1: self.query, self.key and self.value
        raise NotImplementedError("TODO: create the query, key and value projections")

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None, mask: torch.Tensor | None = None,
                causal: bool = False) -> torch.Tensor:
        """x: (B, Tq, d_model); context: (B, Tk, d_model), or None for self-attention (context = x).
        mask: broadcastable to (B, Tq, Tk); bool (True = may attend) or float (added to the scores).
        causal: query i attends to keys j <= i only. Returns (B, Tq, d_head)."""
        # TODO 2: q, k, v from the projections (keys and values come from the context)
        # TODO 3: the scores Q Kᵀ / √d_k, shape (B, Tq, Tk)
        # TODO 4: apply the mask and the causal mask to the scores
        # TODO 5: softmax over the keys (a query whose keys are all blocked gets weight 0), times V
        raise NotImplementedError("TODO: compute softmax(Q Kᵀ / √d_k) V")

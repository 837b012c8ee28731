"""Multi-head attention: h heads attend in parallel, each in its own d_model/h-dimensional subspace,
and their outputs are concatenated and projected back: batched, with key-padding and causal masks.

Run `torchdojo check multi-head-attention` to grade this file.
"""
import math

import torch
from torch import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim: int, num_heads: int):
        """Projections q_proj, k_proj, v_proj, out_proj: four nn.Linear(embed_dim, embed_dim), with bias."""
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        # TODO 1: self.q_proj, self.k_proj, self.v_proj and self.out_proj
        raise NotImplementedError("TODO: create the four projections")

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                key_padding_mask: torch.Tensor | None = None, attn_mask: torch.Tensor | None = None,
                is_causal: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """query: (B, Tq, E); key, value: (B, Tk, E).
        key_padding_mask: (B, Tk) bool, True = padding (ignored).
        attn_mask: (Tq, Tk), bool (True = may NOT attend) or float (added to the scores).
        is_causal: query i attends to keys j <= i only.
        Returns (output (B, Tq, E), attention weights averaged over the heads (B, Tq, Tk))."""
        # TODO 2: project, then split into heads: (B, T, E) -> (B, h, T, d_k)
        # TODO 3: scores Q Kᵀ / √d_k for every head at once, (B, h, Tq, Tk); apply the masks
        # TODO 4: softmax over the keys (no NaN for a query with no key left), times V
        # TODO 5: concatenate the heads back to (B, Tq, E), out_proj; return it with the mean weights
        raise NotImplementedError("TODO: compute multi-head attention")

"""Multi-head attention: h heads attend in parallel, each in its own d_model/h-dimensional subspace,
and their outputs are concatenated and projected back: batched, with key-padding and causal masks."""
import math

import torch
from torch import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim: int, num_heads: int):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError(f"embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})")
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads  # d_k = d_model / h: all heads together cost what one big head would
        # One projection per role for ALL heads at once: head i owns output features i*d_k .. (i+1)*d_k - 1,
        # the layout nn.MultiheadAttention uses (its in_proj_weight is these three stacked).
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)  # W^O mixes what the heads found

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        # (B, T, E) -> (B, T, h, d_k): the features of each token cut into h chunks (a free view), then
        # -> (B, h, T, d_k) so that each head is a batch of its own. Reading (B, T, h, d_k) memory directly as
        # (B, h, T, d_k) would mix tokens of different positions into one head.
        batch, length, _ = x.shape
        return x.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                key_padding_mask: torch.Tensor | None = None, attn_mask: torch.Tensor | None = None,
                is_causal: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        batch, tq, embed_dim = query.shape
        q = self._split_heads(self.q_proj(query))  # (B, h, Tq, d_k)
        k = self._split_heads(self.k_proj(key))  # (B, h, Tk, d_k)
        v = self._split_heads(self.v_proj(value))  # (B, h, Tk, d_k)

        # Every head at once: one batched product over (B, h). Scale by √d_k, the size of ONE head.
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)  # (B, h, Tq, Tk)

        # Masks edit the scores before the softmax (a blocked pair gets -inf, so weight e^(-inf) = 0).
        # nn.MultiheadAttention's convention: in a boolean mask True means "may NOT attend".
        if attn_mask is not None and attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(attn_mask, float("-inf"))  # (Tq, Tk), the same for every sequence and head
        elif attn_mask is not None:
            scores = scores + attn_mask  # float: added to the scores
        if key_padding_mask is not None:
            # (B, Tk) -> (B, 1, 1, Tk): padding is a property of a KEY, the same for every head and query.
            scores = scores.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
        if is_causal:
            future = torch.ones(scores.shape[-2:], dtype=torch.bool, device=scores.device).triu(1)  # (Tq, Tk)
            scores = scores.masked_fill(future, float("-inf"))

        # Softmax over the keys. A query left with no key at all gets zero weights (output: out_proj's bias)
        # rather than 0/0 = NaN, and finite gradients.
        empty = torch.isneginf(scores).all(dim=-1, keepdim=True)  # (B, h, Tq, 1)
        weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=-1)  # (B, h, Tq, Tk)
        weights = weights.masked_fill(empty, 0.0)

        heads = weights @ v  # (B, h, Tq, d_k)
        # Concatenate the heads: back to (B, Tq, h, d_k), then head 0's features, head 1's, ... -> (B, Tq, E).
        concat = heads.transpose(1, 2).reshape(batch, tq, embed_dim)
        return self.out_proj(concat), weights.mean(dim=1)  # (B, Tq, E), weights averaged over heads (B, Tq, Tk)

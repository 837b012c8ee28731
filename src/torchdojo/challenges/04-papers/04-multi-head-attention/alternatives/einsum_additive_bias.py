"""Heads as an explicit einsum axis, every mask folded into one additive bias (B, 1, Tq, Tk), and a
softmax written out with a guarded denominator (a query with no key left gets zero weights)."""
import torch
from torch import nn


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        assert embed_dim % num_heads == 0
        self.h, self.d = num_heads, embed_dim // num_heads
        self.q_proj, self.k_proj = nn.Linear(embed_dim, embed_dim), nn.Linear(embed_dim, embed_dim)
        self.v_proj, self.out_proj = nn.Linear(embed_dim, embed_dim), nn.Linear(embed_dim, embed_dim)

    def forward(self, query, key, value, key_padding_mask=None, attn_mask=None, is_causal=False):
        B, Tq, E = query.shape
        Tk = key.shape[1]
        q = self.q_proj(query).unflatten(-1, (self.h, self.d))  # (B, Tq, h, d)
        k = self.k_proj(key).unflatten(-1, (self.h, self.d))  # (B, Tk, h, d)
        v = self.v_proj(value).unflatten(-1, (self.h, self.d))
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / self.d ** 0.5
        neg_inf = torch.tensor(float("-inf"), device=query.device)
        bias = torch.zeros(B, 1, Tq, Tk, device=query.device)
        if attn_mask is not None:
            bias = bias + (torch.where(attn_mask, neg_inf, 0.0) if attn_mask.dtype == torch.bool else attn_mask)
        if key_padding_mask is not None:
            bias = bias + torch.where(key_padding_mask, neg_inf, 0.0)[:, None, None, :]
        if is_causal:
            rows = torch.arange(Tq, device=query.device)[:, None]
            cols = torch.arange(Tk, device=query.device)[None, :]
            bias = bias + torch.where(cols > rows, neg_inf, 0.0)
        scores = scores + bias
        top = scores.amax(-1, keepdim=True).detach()
        top = torch.where(torch.isfinite(top), top, 0.0)
        e = (scores - top).exp()
        weights = e / e.sum(-1, keepdim=True).clamp_min(1e-30)  # (B, h, Tq, Tk)
        out = torch.einsum("bhqk,bkhd->bqhd", weights, v).flatten(-2)  # (B, Tq, E), heads in order
        return self.out_proj(out), weights.mean(1)

"""A course-style answer: one boolean `allowed` tensor gathers every mask, blocked scores get the most
negative float instead of -inf (no NaN to clean up), and queries with nothing allowed are zeroed."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.d_k = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)

    def split(self, x):
        B, T, _ = x.size()
        return x.reshape(B, T, self.num_heads, self.d_k).permute(0, 2, 1, 3)  # (B, h, T, d_k)

    def forward(self, query, key, value, key_padding_mask=None, attn_mask=None, is_causal=False):
        B, Tq, Tk = query.size(0), query.size(1), key.size(1)
        Q, K, V = self.split(self.q_proj(query)), self.split(self.k_proj(key)), self.split(self.v_proj(value))
        scores = torch.matmul(Q, K.permute(0, 1, 3, 2)) / math.sqrt(self.d_k)
        allowed = torch.ones(B, 1, Tq, Tk, dtype=torch.bool, device=query.device)
        if attn_mask is not None and attn_mask.dtype == torch.bool:
            allowed = allowed & ~attn_mask
        elif attn_mask is not None:
            allowed = allowed & (attn_mask > float("-inf"))
            scores = scores + attn_mask.masked_fill(attn_mask == float("-inf"), 0.0)
        if key_padding_mask is not None:
            allowed = allowed & ~key_padding_mask.view(B, 1, 1, Tk)
        if is_causal:
            allowed = allowed & torch.tril(torch.ones(Tq, Tk, dtype=torch.bool, device=query.device))
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        attn = F.softmax(scores, dim=-1) * allowed.any(dim=-1, keepdim=True)
        out = torch.matmul(attn, V).permute(0, 2, 1, 3).reshape(B, Tq, self.embed_dim)
        return self.out_proj(out), attn.mean(dim=1)

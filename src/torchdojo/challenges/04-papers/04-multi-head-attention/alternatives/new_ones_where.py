"""Every mask gathered into one boolean `blocked` tensor made with query.new_zeros / new_ones (on the input's
device), blocked scores replaced with torch.where and a 0-dim CPU -inf (a CPU scalar, allowed on any device)."""
import torch
from torch import nn

NEG_INF = torch.tensor(float("-inf"))


class MultiHeadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        self.h, self.d = num_heads, embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, query, key, value, key_padding_mask=None, attn_mask=None, is_causal=False):
        B, Tq, E = query.shape
        Tk = key.shape[1]
        q = self.q_proj(query).view(B, Tq, self.h, self.d).permute(0, 2, 1, 3)
        k = self.k_proj(key).view(B, Tk, self.h, self.d).permute(0, 2, 1, 3)
        v = self.v_proj(value).view(B, Tk, self.h, self.d).permute(0, 2, 1, 3)
        scores = q @ k.mT * self.d ** -0.5  # (B, h, Tq, Tk)
        blocked = query.new_zeros(B, 1, Tq, Tk, dtype=torch.bool)
        if attn_mask is not None and attn_mask.dtype == torch.bool:
            blocked = blocked | attn_mask
        elif attn_mask is not None:
            scores = scores + attn_mask
        if key_padding_mask is not None:
            blocked = blocked | key_padding_mask[:, None, None, :]
        if is_causal:
            blocked = blocked | query.new_ones(Tq, Tk, dtype=torch.bool).triu(1)
        scores = torch.where(blocked, NEG_INF, scores)
        dead = torch.isneginf(scores).all(-1, keepdim=True)
        w = torch.where(dead, 0.0, torch.softmax(torch.where(dead, 0.0, scores), -1))
        out = (w @ v).permute(0, 2, 1, 3).reshape(B, Tq, E)
        return self.out_proj(out), w.mean(1)

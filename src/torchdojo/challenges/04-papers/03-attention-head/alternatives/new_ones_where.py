"""Causal mask from x.new_ones; blocked scores replaced with torch.where and a 0-dim CPU -inf (a CPU scalar,
which PyTorch lets meet a tensor of any device)."""
import torch
from torch import nn

NEG_INF = torch.tensor(float("-inf"))


class AttentionHead(nn.Module):
    def __init__(self, d_model, d_head):
        super().__init__()
        self.query = nn.Linear(d_model, d_head)
        self.key = nn.Linear(d_model, d_head)
        self.value = nn.Linear(d_model, d_head)

    def forward(self, x, context=None, mask=None, causal=False):
        context = x if context is None else context
        q, k, v = self.query(x), self.key(context), self.value(context)
        scores = q @ k.mT * torch.tensor(q.shape[-1]) ** -0.5
        if mask is not None and mask.dtype == torch.bool:
            scores = torch.where(mask, scores, NEG_INF)
        elif mask is not None:
            scores = scores + mask
        if causal:
            keep = x.new_ones(q.shape[1], k.shape[1], dtype=torch.bool).tril()
            scores = torch.where(keep, scores, NEG_INF)
        dead = torch.isneginf(scores).all(-1, keepdim=True)
        w = torch.softmax(torch.where(dead, 0.0, scores), -1)
        return torch.where(dead, 0.0, w) @ v

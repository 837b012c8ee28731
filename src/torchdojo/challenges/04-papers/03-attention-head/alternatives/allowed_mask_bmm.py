"""A course-style head: one boolean `allowed` matrix gathers every mask, blocked scores get the
most negative float (no -inf, so no NaN), and rows with nothing allowed are zeroed at the end."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def attention(q, k, v, allowed, bias):
    scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(q.size(-1)) + bias
    scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
    weights = F.softmax(scores, dim=-1) * allowed.any(dim=-1, keepdim=True)
    return torch.bmm(weights, v)


class AttentionHead(nn.Module):
    def __init__(self, d_model, d_head):
        super().__init__()
        self.query = nn.Linear(d_model, d_head)
        self.key = nn.Linear(d_model, d_head)
        self.value = nn.Linear(d_model, d_head)

    def forward(self, x, context=None, mask=None, causal=False):
        if context is None:
            context = x
        B, Tq, Tk = x.size(0), x.size(1), context.size(1)
        allowed = torch.ones(B, Tq, Tk, dtype=torch.bool, device=x.device)
        bias = torch.zeros(B, Tq, Tk, device=x.device)
        if mask is not None and mask.dtype == torch.bool:
            allowed = allowed & mask
        elif mask is not None:
            allowed = allowed & (mask != float("-inf"))
            bias = bias + mask.masked_fill(mask == float("-inf"), 0.0)
        if causal:
            allowed = allowed & torch.tril(torch.ones(Tq, Tk, dtype=torch.bool, device=x.device))
        return attention(self.query(x), self.key(context), self.value(context), allowed, bias)

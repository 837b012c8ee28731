"""Every mask turned into one additive bias, the products as einsums, and the softmax written out
with a guarded denominator (a row with no key left divides 0 by a tiny number and gets 0)."""
import torch
from torch import nn


class AttentionHead(nn.Module):
    def __init__(self, d_model, d_head):
        super().__init__()
        self.query = nn.Linear(d_model, d_head)
        self.key = nn.Linear(d_model, d_head)
        self.value = nn.Linear(d_model, d_head)
        self.scale = d_head ** -0.5

    def forward(self, x, context=None, mask=None, causal=False):
        c = x if context is None else context
        q, k, v = self.query(x), self.key(c), self.value(c)
        scores = torch.einsum("bqd,bkd->bqk", q, k) * self.scale
        if mask is not None:
            if mask.dtype == torch.bool:
                mask = torch.zeros(mask.shape, device=mask.device).masked_fill(~mask, float("-inf"))
            scores = scores + mask
        if causal:
            i = torch.arange(scores.shape[-2], device=x.device)[:, None]
            j = torch.arange(scores.shape[-1], device=x.device)[None, :]
            scores = torch.where(j <= i, scores, torch.tensor(float("-inf"), device=x.device))
        top = scores.amax(dim=-1, keepdim=True)
        top = torch.where(torch.isfinite(top), top, torch.zeros_like(top)).detach()
        e = torch.exp(scores - top)
        weights = e / e.sum(dim=-1, keepdim=True).clamp_min(1e-30)
        return torch.einsum("bqk,bkd->bqd", weights, v)

"""Dense and written out: the adjacency as a float mask, the softmax by hand with the row max subtracted,
an isolated row's denominator clamped so that 0/ε = 0; the two hinge terms written separately."""
import torch
from torch import nn


class Product2Vec(nn.Module):
    def __init__(self, in_features: int, hidden: int = 64, out_features: int = 32):
        super().__init__()
        layers = [nn.BatchNorm1d(in_features), nn.Linear(in_features, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                  nn.Tanh(), nn.Linear(hidden, out_features)]
        self.encoder = nn.Sequential(*layers)

    def encode(self, x):
        return self.encoder(x)

    def forward(self, x, edge_index):
        theta = self.encoder(x)
        return theta, aggregate(theta, edge_index)


def attention_weights(theta, edge_index):
    n = len(theta)
    mask = torch.zeros(n, n, device=theta.device, dtype=theta.dtype)
    mask[edge_index[0], edge_index[1]] = 1.0
    scores = theta @ theta.t()
    very_negative = torch.finfo(theta.dtype).min
    scores = torch.where(mask > 0, scores, torch.full_like(scores, very_negative))
    scores = scores - scores.max(dim=1, keepdim=True).values.detach()
    numerators = torch.exp(scores) * mask  # exactly 0 off the graph
    return numerators / numerators.sum(dim=1, keepdim=True).clamp_min(1e-30)


def aggregate(theta, edge_index):
    return torch.mm(attention_weights(theta, edge_index), theta)


def hinge_loss(theta, theta_n, y, lam=1.0, eps=1.0, reduction="sum"):
    squared = torch.sum((theta - theta_n) * (theta - theta_n), dim=1)
    losses = torch.maximum(eps - y * (lam - squared), torch.zeros_like(squared))
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def training_loss(model, x, edge_index, negative_index, lam=1.0, eps=1.0):
    theta, theta_n = model(x, edge_index)
    total = 0
    for index, sign, target in ((edge_index, 1.0, theta_n), (negative_index, -1.0, None)):
        if target is None:
            target = aggregate(theta, index)
        rows = torch.unique(index[0])
        total = total + hinge_loss(theta[rows], target[rows], torch.full((len(rows),), sign, device=x.device),
                                   lam, eps)
    return total

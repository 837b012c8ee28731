"""The sparse (message-passing) formulation: one score per edge, a softmax per centre with scatter_reduce
(max) and index_add (sums), messages summed into their centres; the dense matrix only for inspection."""
import torch
import torch.nn.functional as F
from torch import nn


class Product2Vec(nn.Module):
    def __init__(self, in_features, hidden=64, out_features=32):
        super().__init__()
        self.norm = nn.BatchNorm1d(in_features)
        self.fc1, self.fc2, self.fc3 = nn.Linear(in_features, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, out_features)

    def encode(self, x):
        return self.fc3(torch.tanh(self.fc2(torch.tanh(self.fc1(self.norm(x))))))

    def forward(self, x, edge_index):
        theta = self.encode(x)
        return theta, aggregate(theta, edge_index)


def _edge_weights(theta, edge_index):
    i, j = edge_index
    score = (theta[i] * theta[j]).sum(-1)  # (E,): θ_iᵀθ_j per edge
    n = theta.shape[0]
    top = torch.full((n,), float("-inf"), device=theta.device, dtype=theta.dtype)
    top = top.scatter_reduce(0, i, score, reduce="amax", include_self=True)  # max score per centre
    e = torch.exp(score - top[i])  # ≤ 1: no overflow
    total = torch.zeros(n, device=theta.device, dtype=theta.dtype).index_add(0, i, e)
    return e / total[i]  # (E,): sums to 1 over each centre's edges


def attention_weights(theta, edge_index):
    n = theta.shape[0]
    z = torch.zeros(n, n, device=theta.device, dtype=theta.dtype)
    return z.index_put((edge_index[0], edge_index[1]), _edge_weights(theta, edge_index))


def aggregate(theta, edge_index):
    i, j = edge_index
    messages = _edge_weights(theta, edge_index)[:, None] * theta[j]  # (E, p)
    return torch.zeros_like(theta).index_add(0, i, messages)  # nodes without edges stay 0


def hinge_loss(theta, theta_n, y, lam=1.0, eps=1.0, reduction="sum"):
    d = (theta - theta_n).pow(2).sum(-1)
    losses = F.relu(eps - y * (lam - d))
    return {"none": losses, "sum": losses.sum(), "mean": losses.mean()}[reduction]


def training_loss(model, x, edge_index, negative_index, lam=1.0, eps=1.0):
    theta, theta_pos = model(x, edge_index)
    theta_neg = aggregate(theta, negative_index)
    pos_nodes, neg_nodes = edge_index[0].unique(), negative_index[0].unique()
    theta_all = torch.cat([theta[pos_nodes], theta[neg_nodes]])
    targets = torch.cat([theta_pos[pos_nodes], theta_neg[neg_nodes]])
    y = torch.cat([torch.ones(len(pos_nodes)), -torch.ones(len(neg_nodes))]).to(x.device)
    return hinge_loss(theta_all, targets, y, lam, eps)

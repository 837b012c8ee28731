"""Product2vec, the item encoder of P-Companion (Hao et al., CIKM 2020, section 4.1): an FFN that embeds
each product's catalog features, attention over its "similar" neighbours only, and a hinge loss that
pulls an item towards its neighbourhood and pushes it away from a separate negative set."""
import torch
from torch import nn


class Product2Vec(nn.Module):
    def __init__(self, in_features: int, hidden: int = 64, out_features: int = 32):
        super().__init__()
        # Eq. 1: θ_i = σ(σ(C_i W1 + b1) W2 + b2) W3 + b3 with σ = tanh, the last layer linear. The paper adds
        # "a batch normalization layer" without saying where; here it normalises the raw catalog features,
        # whose columns come on very different scales.
        self.ffn = nn.Sequential(
            nn.BatchNorm1d(in_features),
            nn.Linear(in_features, hidden), nn.Tanh(),
            nn.Linear(hidden, hidden), nn.Tanh(),
            nn.Linear(hidden, out_features),
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """C (N, in) -> θ (N, p): the embedding a user keeps; it needs no graph, so it serves cold-start items."""
        return self.ffn(x)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (θ, θ_N), both (N, p): each item's embedding and the attention-weighted sum of its neighbours'."""
        theta = self.encode(x)
        return theta, aggregate(theta, edge_index)


def attention_weights(theta: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    """Eq. 2 as a dense (N, N) matrix: z[i, j] = softmax over j ∈ N_i of θ_iᵀθ_j, exactly 0 for j ∉ N_i."""
    n = theta.shape[0]
    centre, neighbour = edge_index  # row 0 = i, row 1 = j ∈ N_i (directed: i→j does not make j→i)
    adjacency = torch.zeros(n, n, dtype=torch.bool, device=theta.device)
    adjacency[centre, neighbour] = True  # the "attention mask" is the graph; no self-loops are added
    scores = theta @ theta.T  # (N, N): θ_iᵀθ_j for every pair, plain dot products (nothing learned here)
    scores = scores.masked_fill(~adjacency, float("-inf"))  # non-neighbours get weight exp(-inf) = 0
    # softmax subtracts each row's max before exp, so large θ cannot overflow. A node with no neighbours
    # has a row of -inf, which softmax turns into NaN: those rows are set to 0 (θ_N = 0, never NaN).
    weights = torch.softmax(scores, dim=1)
    return torch.where(adjacency.any(dim=1, keepdim=True), weights, torch.zeros_like(weights))


def aggregate(theta: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    """θ_{N_i} = Σ_{j ∈ N_i} z_ij θ_j for every i: (N, p)."""
    return attention_weights(theta, edge_index) @ theta  # (N, N) @ (N, p) -> (N, p)


def hinge_loss(theta: torch.Tensor, theta_n: torch.Tensor, y: torch.Tensor, lam: float = 1.0, eps: float = 1.0,
               reduction: str = "sum") -> torch.Tensor:
    """Eq. 3, one term per row: max{0, ε − y·(λ − ‖θ_i − θ_{N_i}‖²)}, y = +1 similar, −1 negative."""
    distance = ((theta - theta_n) ** 2).sum(dim=-1)  # squared L2 distance, (N,)
    # y = +1: the distance is pushed below λ − ε; y = −1: it is pushed above λ + ε.
    losses = torch.clamp(eps - y * (lam - distance), min=0)
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def training_loss(model: Product2Vec, x: torch.Tensor, edge_index: torch.Tensor, negative_index: torch.Tensor,
                  lam: float = 1.0, eps: float = 1.0) -> torch.Tensor:
    """The objective of Eq. 3 summed over the items that have neighbours (positive term) and over those that
    have negatives (negative term); the negative term aggregates over the separate set N̂_i."""
    theta, theta_n = model(x, edge_index)
    theta_neg = aggregate(theta, negative_index)  # the same attention, over the negative set
    has_n = torch.zeros(len(x), dtype=torch.bool, device=x.device)
    has_n[edge_index[0]] = True
    has_neg = torch.zeros(len(x), dtype=torch.bool, device=x.device)
    has_neg[negative_index[0]] = True
    positive = hinge_loss(theta[has_n], theta_n[has_n], torch.ones(int(has_n.sum()), device=x.device), lam, eps)
    negative = hinge_loss(theta[has_neg], theta_neg[has_neg], -torch.ones(int(has_neg.sum()), device=x.device),
                          lam, eps)
    return positive + negative

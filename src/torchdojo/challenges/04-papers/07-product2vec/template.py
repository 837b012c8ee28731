"""Product2vec, the item encoder of P-Companion (Hao et al., CIKM 2020, section 4.1).

Run `torchdojo check product2vec` to grade this file (the grader trains your model for about a second).
Conventions: edge_index is a [2, E] LongTensor, row 0 = centre i, row 1 = neighbour j ∈ N_i (directed, no
duplicates, no self-loops added); a node with no neighbours gets θ_N = 0, never NaN.
"""
import torch
from torch import nn


class Product2Vec(nn.Module):
    def __init__(self, in_features: int, hidden: int = 64, out_features: int = 32):
        super().__init__()
        # TODO 1: Eq. 1, θ = FFN(C): BatchNorm1d(in_features), then Linear → tanh → Linear → tanh → Linear
        raise NotImplementedError("TODO: build the FFN encoder of Eq. 1")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """C (N, in_features) -> θ (N, out_features)."""
        # TODO 2
        raise NotImplementedError("TODO: return the FFN's output")

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (θ, θ_N), both (N, out_features)."""
        # TODO 3: θ from encode, θ_N from aggregate
        raise NotImplementedError("TODO: return (θ, θ_N)")


def attention_weights(theta: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    """Eq. 2 as a dense (N, N) matrix: z[i, j] = softmax over j ∈ N_i of θ_iᵀθ_j; exactly 0 for j ∉ N_i;
    a row of zeros for a node without neighbours."""
    # TODO 4: the adjacency is the attention mask
    raise NotImplementedError("TODO: the masked softmax of Eq. 2")


def aggregate(theta: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
    """θ_N[i] = Σ_{j ∈ N_i} z_ij θ_j: (N, p)."""
    # TODO 5
    raise NotImplementedError("TODO: the attention-weighted sum over each node's neighbours")


def hinge_loss(theta: torch.Tensor, theta_n: torch.Tensor, y: torch.Tensor, lam: float = 1.0, eps: float = 1.0,
               reduction: str = "sum") -> torch.Tensor:
    """Per row: max{0, ε − y·(λ − ‖θ_i − θ_N_i‖²)}, y = +1 similar, −1 negative; reduction 'none', 'sum', 'mean'."""
    # TODO 6
    raise NotImplementedError("TODO: the hinge loss of Eq. 3")


def training_loss(model: Product2Vec, x: torch.Tensor, edge_index: torch.Tensor, negative_index: torch.Tensor,
                  lam: float = 1.0, eps: float = 1.0) -> torch.Tensor:
    """Eq. 3 summed: y = +1 against θ_N over edge_index for the items that have neighbours, y = −1 against the
    aggregate over the SEPARATE negative_index for the items that have negatives."""
    # TODO 7
    raise NotImplementedError("TODO: the training objective of Eq. 3")

"""Linear regression on polynomial features, with several output heads and a custom loss, fitted by
gradient descent."""
import torch
from torch import nn


def polynomial_features(x: torch.Tensor) -> torch.Tensor:
    # "Linear" regression is linear in its PARAMETERS, not in the inputs: any fixed function of the inputs
    # can be a feature. Columns in the stated order, x1, x1², x1·x2, built for all rows at once.
    x1, x2 = x[:, 0], x[:, 1]
    return torch.stack([x1, x1**2, x1 * x2], dim=1)  # (N, 3)


class MultiOutputRegression(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        # One head per output: each is its own linear function of the same features, with its own weights
        # and its own bias. Stacking the k heads' weights as the rows of one (k, in) matrix is exactly what
        # nn.Linear(in, k) holds, so one layer computes every head in a single matrix product.
        self.heads = nn.Linear(in_features, out_features)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.heads(features)  # (N, k): column j is head j's prediction


def weighted_mse(prediction: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    # L = (1/N) Σ_n Σ_j w_j (ŷ_nj − y_nj)²: each head's mean squared error, weighted, added over the heads.
    # The mean over the examples keeps the loss (and its gradient, hence a good learning rate) independent of
    # the dataset's size; a sum would make the same lr N times too large.
    squared = (prediction - target) ** 2  # (N, k)
    return (squared.mean(dim=0) * weights).sum()


def fit(x: torch.Tensor, y: torch.Tensor, head_weights: torch.Tensor, lr: float = 0.1,
        epochs: int = 300) -> tuple[torch.Tensor, torch.Tensor]:
    features = polynomial_features(x)
    # Standardise every feature to mean 0 and standard deviation 1. x1² lives on a much larger scale than x1,
    # so raw features make the loss a long narrow valley: an lr small enough for the steep direction crawls
    # along the flat one, and lr = 0.1 overshoots and diverges. On standardised features one lr suits all.
    mean, std = features.mean(dim=0), features.std(dim=0)
    z = (features - mean) / std
    model = MultiOutputRegression(features.shape[1], y.shape[1])
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)  # plain full-batch gradient descent
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = weighted_mse(model(z), y, head_weights)
        loss.backward()
        optimizer.step()
    # The model predicts y = z Wᵀ + b with z = (f − μ)/σ, i.e. y = f (W/σ)ᵀ + (b − (W/σ)·μ): the coefficients
    # of the raw features, which is what a reader of the model wants (and what least squares gives).
    with torch.no_grad():
        weight, bias = model.heads.weight, model.heads.bias
        coef = weight / std  # (k, 3): column i divided by σ_i
        intercept = bias - coef @ mean  # (k,)
    return coef, intercept

"""Linear regression on polynomial features, with several output heads and a custom loss, fitted by
gradient descent.

Run `torchdojo check linear-regression` to grade this file.
"""
import torch
from torch import nn


def polynomial_features(x: torch.Tensor) -> torch.Tensor:
    """x of shape (N, 2) holds x1 and x2 -> the features (N, 3): columns x1, x1², x1·x2, in that order."""
    # TODO 1: the three columns, for all rows at once
    raise NotImplementedError("TODO: build the feature matrix [x1, x1², x1·x2]")


class MultiOutputRegression(nn.Module):
    def __init__(self, in_features: int, out_features: int):
        """`out_features` heads; each a linear function of the `in_features` features with its own bias."""
        super().__init__()
        # TODO 2: the heads' learnable weights and biases
        raise NotImplementedError("TODO: create the heads")

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """(N, in_features) -> (N, out_features): column j is head j's prediction."""
        # TODO 3: every head's prediction
        raise NotImplementedError("TODO: compute the heads' predictions")


def weighted_mse(prediction: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """prediction and target (N, k), weights (k,) -> the 0-dim loss (1/N) Σₙ Σⱼ wⱼ (ŷₙⱼ − yₙⱼ)²."""
    # TODO 4: the squared errors, averaged over the examples, weighted and added over the heads
    raise NotImplementedError("TODO: compute the weighted mean squared error")


def fit(x: torch.Tensor, y: torch.Tensor, head_weights: torch.Tensor, lr: float = 0.1,
        epochs: int = 300) -> tuple[torch.Tensor, torch.Tensor]:
    """Fit a MultiOutputRegression with y.shape[1] heads to y (N, k) from x (N, 2) by full-batch gradient
    descent on weighted_mse over STANDARDISED features. Returns (coef (k, 3), intercept (k,)) such that
    y ≈ polynomial_features(x) @ coef.T + intercept (coefficients of the raw features)."""
    # TODO 5: the features, standardised (keep their mean and standard deviation)
    # TODO 6: the model, torch.optim.SGD(model.parameters(), lr=lr), and `epochs` steps on the whole batch
    # TODO 7: the coefficients and intercepts of the raw features
    raise NotImplementedError("TODO: fit the model by gradient descent")

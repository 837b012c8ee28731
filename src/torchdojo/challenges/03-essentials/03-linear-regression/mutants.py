"""Known mistakes for linear-regression."""
from torchdojo.grading.mutants import Mutant

FEATURES = "return torch.stack([x1, x1**2, x1 * x2], dim=1)  # (N, 3)"
LOSS = "return (squared.mean(dim=0) * weights).sum()"

MUTANTS = [
    Mutant("forgot-cross-term",
           "your features leave out the interaction x1·x2: the model can only fit β₁x₁ + β₂x₁², and fit returns "
           "two coefficients per head; the feature matrix is [x1, x1², x1·x2]",
           replace={FEATURES: "return torch.stack([x1, x1**2], dim=1)"}),
    Mutant("squares-x2",
           "your second feature is x2² instead of x1²: the columns are x1, x1², x1·x2, in that order",
           replace={FEATURES: "return torch.stack([x1, x2**2, x1 * x2], dim=1)"}),
    Mutant("columns-out-of-order",
           "your feature columns are in another order (x1, x1·x2, x1²): each coefficient then belongs to another "
           "feature; keep the stated order x1, x1², x1·x2",
           replace={FEATURES: "return torch.stack([x1, x1 * x2, x1**2], dim=1)"}),
    Mutant("no-bias",
           "your heads have no bias (bias=False): every prediction is forced through 0 at x = 0, so the intercepts "
           "are lost; give each head its own bias",
           replace={"self.heads = nn.Linear(in_features, out_features)":
                    "self.heads = nn.Linear(in_features, out_features, bias=False)",
                    "weight, bias = model.heads.weight, model.heads.bias": "weight, bias = model.heads.weight, 0.0"}),
    Mutant("activation-after-heads",
           "your model puts a ReLU after the heads: a regression output must be able to go negative, and the "
           "model is no longer linear in the features; a head is a linear layer with nothing after it",
           replace={"return self.heads(features)  # (N, k): column j is head j's prediction":
                    "return torch.relu(self.heads(features))"}),
    Mutant("single-head-squeezed",
           "your model squeezes its output: with one head it returns (N,) instead of (N, 1), which then "
           "broadcasts against a target of shape (N, 1) into an (N, N) error; keep one column per head",
           replace={"return self.heads(features)  # (N, k): column j is head j's prediction":
                    "return self.heads(features).squeeze(-1)"}),
    Mutant("not-standardised",
           "fit trains on the raw features: x1² is ~10× larger than x1, and with lr = 0.1 gradient descent "
           "overshoots and diverges to NaN; standardise each feature to mean 0, std 1, then undo it on the "
           "coefficients",
           replace={"z = (features - mean) / std": "z = features",
                    "coef = weight / std  # (k, 3): column i divided by σ_i": "coef = weight + 0.0",
                    "intercept = bias - coef @ mean  # (k,)": "intercept = bias + 0.0"}),
    Mutant("standardisation-not-undone",
           "fit returns the weights learned on standardised features: they are coefficients of (f − μ)/σ, not of "
           "f; divide them by σ and take (W/σ)·μ off the bias",
           replace={"coef = weight / std  # (k, 3): column i divided by σ_i": "coef = weight + 0.0",
                    "intercept = bias - coef @ mean  # (k,)": "intercept = bias + 0.0"}),
    Mutant("loss-sums-examples",
           "your loss SUMS the squared errors over the examples instead of averaging them: the loss and its "
           "gradient grow with N, so lr = 0.1 on 400 examples diverges; take the mean over the examples",
           replace={LOSS: "return (squared.sum(dim=0) * weights).sum()"}),
    Mutant("loss-averages-heads",
           "your loss averages over the heads as well as the examples: the heads' errors are to be ADDED "
           "(each weighted), (1/N) Σₙ Σⱼ wⱼ (ŷₙⱼ − yₙⱼ)²",
           replace={LOSS: "return (squared.mean(dim=0) * weights).mean()"}),
    Mutant("loss-ignores-weights",
           "your loss ignores the head weights: each head's mean squared error is to be multiplied by its wⱼ",
           replace={LOSS: "return squared.mean(dim=0).sum()"}),
    Mutant("fit-ignores-head-weights",
           "fit trains with F.mse_loss (the plain mean over examples AND heads) instead of weighted_mse(..., "
           "head_weights): the optimum is the same, but each head's gradient steps are not weighted by its wⱼ; "
           "train with the weighted loss",
           replace={"loss = weighted_mse(model(z), y, head_weights)": "loss = nn.functional.mse_loss(model(z), y)"}),
    Mutant("closed-form",
           "fit solves least squares in closed form ((AᵀA)⁻¹Aᵀy with torch.linalg.inv): right numbers, "
           "but this challenge is to get there by gradient descent, one step per epoch",
           replace={"    for _ in range(epochs):\n": "    for _ in range(0):\n",
                    "        coef = weight / std  # (k, 3): column i divided by σ_i\n"
                    "        intercept = bias - coef @ mean  # (k,)\n":
                    "        design = torch.cat([features, torch.ones(len(features), 1)], dim=1)\n"
                    "        solution = torch.linalg.inv(design.T @ design) @ design.T @ y\n"
                    "        coef, intercept = solution[:-1].T, solution[-1]\n"}),
]

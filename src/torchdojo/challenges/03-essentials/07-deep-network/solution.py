"""A deep classifier for spirals: an nn.Sequential of Linear layers with ReLUs between them, trained
full-batch with Adam, and a picture of the plane coloured by the class it predicts."""
import matplotlib

matplotlib.use("Agg")  # draw into files, no window (works on a server, in CI, in the grader)
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend
import torch  # noqa: E402
from torch import nn  # noqa: E402

CLASSES = 3


def build_model() -> nn.Sequential:
    # Without the ReLUs, Linear(Linear(Linear(x))) is ONE affine map W x + b, whatever the depth: its
    # decision boundaries are straight lines, which cannot follow a spiral. Each ReLU folds the plane,
    # and stacking layers composes the folds. The last layer has no activation: it outputs logits, one
    # score per class, which nn.CrossEntropyLoss turns into probabilities itself (log-softmax inside).
    return nn.Sequential(
        nn.Linear(2, 64), nn.ReLU(),
        nn.Linear(64, 64), nn.ReLU(),
        nn.Linear(64, CLASSES),
    )


def train(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor) -> None:
    """Train `model` in place on points x (N, 2) with labels y (N,) in {0, 1, 2}."""
    # 600 points fit in one batch: full-batch Adam is fast and steady here. Adam's per-parameter step
    # sizes make lr=0.01 work without tuning; 400 steps take well under a second on one CPU thread.
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(400):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()


def plot_decision_surface(model: nn.Module, x: torch.Tensor, y: torch.Tensor, path: str) -> None:
    """Save a PNG at `path`: the plane coloured by the class `model` predicts, the points on top."""
    model.eval()
    margin = 0.25
    low, high = x.min(dim=0).values - margin, x.max(dim=0).values + margin
    # A 300 × 300 grid over the data's box, flattened into a batch of 90 000 points: one forward pass.
    xs = torch.linspace(float(low[0]), float(high[0]), 300)
    ys = torch.linspace(float(low[1]), float(high[1]), 300)
    grid_x, grid_y = torch.meshgrid(xs, ys, indexing="xy")
    grid = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)
    with torch.no_grad():  # no graph for 90 000 predictions; also lets us call .numpy() on the result
        predicted = model(grid).argmax(dim=1).reshape(grid_x.shape)

    figure, axes = plt.subplots(figsize=(6, 5))
    # One colour per predicted class; the boundaries between colours are the decision boundaries.
    axes.contourf(grid_x.numpy(), grid_y.numpy(), predicted.numpy(), levels=[-0.5, 0.5, 1.5, 2.5],
                  cmap="brg", alpha=0.35)
    axes.scatter(x[:, 0].numpy(), x[:, 1].numpy(), c=y.numpy(), cmap="brg", s=12, edgecolors="black",
                 linewidths=0.3)
    axes.set(title="Decision surface", xlabel="$x_1$", ylabel="$x_2$")
    figure.savefig(path, dpi=100)  # save BEFORE closing: a closed figure is gone
    plt.close(figure)  # free it; many open figures leak memory

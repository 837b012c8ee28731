"""LeakyReLU with BatchNorm and a little Dropout (so eval mode matters), full-batch AdamW, and the
surface as an image of predicted classes (imshow) under the scatter; predictions in inference mode."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def block(n_in: int, n_out: int) -> list[nn.Module]:
    return [nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.LeakyReLU(0.1), nn.Dropout(0.05)]


def build_model() -> nn.Sequential:
    return nn.Sequential(*block(2, 64), *block(64, 64), nn.Linear(64, 3))


def train(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor) -> None:
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.02, weight_decay=1e-4)
    model.train()
    for step in range(300):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    model.eval()


def plot_decision_surface(model: nn.Module, x: torch.Tensor, y: torch.Tensor, path: str) -> None:
    model.eval()
    (x0, y0), (x1, y1) = (x.min(0).values - 0.2).tolist(), (x.max(0).values + 0.2).tolist()
    rows, cols = torch.meshgrid(torch.linspace(y1, y0, 200), torch.linspace(x0, x1, 200), indexing="ij")
    with torch.inference_mode():
        classes = model(torch.stack([cols.flatten(), rows.flatten()], dim=-1)).argmax(-1).view(200, 200)
    fig = plt.figure(figsize=(6.4, 4.8))
    ax = fig.add_subplot()
    ax.imshow(classes.numpy(), extent=(x0, x1, y0, y1), cmap="viridis", alpha=0.4, aspect="auto")
    ax.scatter(*x.T.numpy(), c=y.numpy(), cmap="viridis", s=10)
    fig.savefig(path)
    plt.close(fig)

"""The perceptron algorithm: move the line towards every misclassified point, one point at a time."""
import torch


def predict(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    # step(Xw + b): 1.0 on the positive side of the line (and on it), 0.0 on the other. Works for a
    # batch (N, d) -> (N,) and for one point (d,) -> ().
    return (X @ w + b >= 0).to(X.dtype)


def perceptron_epoch(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
                     lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    # One pass over the points, in order. The "perceptron trick" for a point x with label y:
    #   error = y − ŷ is 0 when x is classified right (nothing moves),
    #   +1 when a positive point is on the negative side: w ← w + lr·x, b ← b + lr (the line moves towards x),
    #   −1 when a negative point is on the positive side: w ← w − lr·x, b ← b − lr (the line moves away).
    # Each update changes the line that the NEXT point is judged by: the loop is inherently sequential.
    for x_i, y_i in zip(X, y):
        error = y_i - predict(x_i, w, b)
        # New tensors rather than `w += ...`: the caller's w and b are left as they were.
        w = w + lr * error * x_i
        b = b + lr * error
    return w, b


def train(X: torch.Tensor, y: torch.Tensor, lr: float, epochs: int,
          plot_path: str | None = None) -> tuple[torch.Tensor, torch.Tensor, list[tuple[torch.Tensor, torch.Tensor]]]:
    # From w = 0, b = 0 so that a run is reproducible (the course starts from random weights; the
    # algorithm converges from anywhere when the data are linearly separable).
    w = torch.zeros(X.shape[1], dtype=X.dtype)
    b = torch.zeros((), dtype=X.dtype)
    history = []
    for _ in range(epochs):
        w, b = perceptron_epoch(X, y, w, b, lr)
        history.append((w, b))  # the line after each epoch; once every point is right, nothing changes
    if plot_path is not None:
        _plot(X, y, history, plot_path)
    return w, b, history


def _plot(X, y, history, path):
    import matplotlib
    matplotlib.use("Agg")  # into a file, no window
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    low, high = float(X[:, 0].min()), float(X[:, 0].max())
    xs = torch.linspace(low, high, 2)
    for epoch, (w, b) in enumerate(history, start=1):
        if float(w[1]) == 0:  # a vertical line (or no line at all): nothing to draw as x1 = f(x0)
            continue
        # the boundary w0·x0 + w1·x1 + b = 0 as x1 = −(w0·x0 + b) / w1; early epochs faint, the last one solid
        last = epoch == len(history)
        ax.plot(xs, -(w[0] * xs + b) / w[1], color="k" if last else "grey",
                alpha=1.0 if last else 0.2 + 0.6 * epoch / len(history), lw=2 if last else 1,
                label="final boundary" if last else None)
    ax.set_ylim(float(X[:, 1].min()) - 0.5, float(X[:, 1].max()) + 0.5)
    ax.set(title=f"perceptron boundary over {len(history)} epochs", xlabel="x0", ylabel="x1")
    ax.legend(loc="upper right")
    fig.savefig(path)
    plt.close(fig)

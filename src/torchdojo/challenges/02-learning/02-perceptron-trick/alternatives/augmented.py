"""The bias folded into the weights: each point gets a constant 1 appended, θ = (w, b) is one vector, and
the trick is θ ← θ + lr·(y − ŷ)·(x, 1). torch.where picks the step; the plot draws one subplot per stage."""
import torch


def predict(X, w, b):
    z = X @ w + b
    return torch.where(z >= 0, 1.0, 0.0).to(X.dtype)


def perceptron_epoch(X, y, w, b, lr):
    Xa = torch.cat([X, torch.ones(len(X), 1, dtype=X.dtype)], dim=1)
    theta = torch.cat([w, torch.as_tensor(b, dtype=w.dtype).reshape(1)])
    for x_a, label in zip(Xa, y):
        theta = theta + lr * (label - (x_a @ theta >= 0).to(theta.dtype)) * x_a
    return theta[:-1], theta[-1]


def train(X, y, lr, epochs, plot_path=None):
    w, b, history = torch.zeros(X.shape[1]), torch.tensor(0.0), []
    for _ in range(epochs):
        w, b = perceptron_epoch(X, y, w, b, lr)
        history.append((w, b))
    if plot_path is not None:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
        stages = sorted({0, len(history) // 2, len(history) - 1})
        fig, axes = plt.subplots(1, len(stages), figsize=(4 * len(stages), 4), squeeze=False)
        x0 = torch.linspace(float(X[:, 0].min()), float(X[:, 0].max()), 50)
        for ax, stage in zip(axes[0], stages):
            w_s, b_s = history[stage]
            ax.scatter(X[:, 0], X[:, 1], c=["tab:red" if v else "tab:blue" for v in y.tolist()], s=8)
            if float(w_s[1]) != 0:
                ax.plot(x0, -(w_s[0] * x0 + b_s) / w_s[1], "k")
            ax.set_title(f"after epoch {stage + 1}")
        fig.savefig(plot_path)
        plt.close(fig)
    return w, b, history

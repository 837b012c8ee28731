"""The bias folded into the weights: a column of ones appended to X, one parameter vector θ = (w, b)."""
import torch


def predict(X, w, b):
    return torch.sigmoid(torch.addmv(b.expand(X.shape[0]), X, w))


def _with_ones(X):
    return torch.cat([X, torch.ones(X.shape[0], 1)], dim=1)


def gradients(X, y, w, b):
    Xa = _with_ones(X)
    theta = torch.cat([w, b.reshape(1)])
    g = Xa.T @ (torch.sigmoid(Xa @ theta) - y) / len(y)
    return g[:-1], g[-1]


def train(X, y, lr, epochs, plot_path=None):
    Xa, theta, losses = _with_ones(X), torch.zeros(X.shape[1] + 1), []
    for _ in range(epochs):
        p = torch.sigmoid(Xa @ theta)
        theta = theta - lr * Xa.T @ (p - y) / len(y)
        z = Xa @ theta
        losses.append(torch.mean(torch.nn.functional.softplus(z) - y * z).item())  # log-loss from the logit
    if plot_path is not None:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
        fig, ax = plt.subplots()
        ax.scatter(X[:, 0].numpy(), X[:, 1].numpy(), c=y.numpy(), s=8)
        x0 = torch.tensor([X[:, 0].min().item(), X[:, 0].max().item()])
        ax.plot(x0.numpy(), (-(theta[0] * x0 + theta[2]) / theta[1]).numpy())
        ax.set_title(f"loss {losses[0]:.3f} → {losses[-1]:.3f}")
        fig.savefig(plot_path, dpi=80)
        plt.close(fig)
    return theta[:-1], theta[-1], losses

"""The course notebook's shape: a stepFunction, a per-point prediction, an if/elif on the error, and
plain Python floats for the bias; matplotlib's pyplot state machine for the plot."""
import numpy as np
import torch


def stepFunction(t):
    return 1.0 if t >= 0 else 0.0


def predict(X, w, b):
    return (torch.matmul(X, w) + b >= 0).float()


def perceptron_epoch(X, y, w, b, lr):
    W = w.clone()
    b = float(b)
    for i in range(len(X)):
        y_hat = stepFunction(float(X[i] @ W) + b)
        if y[i] - y_hat == 1:
            W = W + X[i] * lr
            b += lr
        elif y[i] - y_hat == -1:
            W = W - X[i] * lr
            b -= lr
    return W, torch.tensor(b)


def train(X, y, lr, epochs, plot_path=None):
    W, b = torch.zeros(X.shape[1]), torch.tensor(0.0)
    boundary_lines = []
    for _ in range(epochs):
        W, b = perceptron_epoch(X, y, W, b, lr)
        boundary_lines.append((W.clone(), b.clone()))
    if plot_path:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        plt.figure()
        plt.scatter(X[:, 0].numpy(), X[:, 1].numpy(), c=y.numpy())
        xs = np.array([float(X[:, 0].min()), float(X[:, 0].max())])
        for w_, b_ in boundary_lines:
            if float(w_[1]) != 0:
                plt.plot(xs, -(float(w_[0]) * xs + float(b_)) / float(w_[1]), "g--")
        plt.savefig(plot_path)
        plt.close()
    return W, b, boundary_lines

"""The course notebook's names and helpers (sigmoid, error formula, update_weights), vectorised, with a
Python-float bias and a loss curve only."""
import numpy as np
import torch


def sigmoid(x):
    return 1 / (1 + torch.exp(-x))


def predict(X, w, b):
    return sigmoid(X @ w + b)


def error_formula(y, output):
    return -y * torch.log(output) - (1 - y) * torch.log(1 - output)


def gradients(X, y, w, b):
    d_error = y - predict(X, w, b)  # the notebook's "error term", y − ŷ: the negative gradient per example
    return -(d_error @ X) / len(y), -d_error.mean()


def train(X, y, lr, epochs, plot_path=None):
    weights, bias, losses = torch.zeros(X.shape[1]), 0.0, []
    for e in range(epochs):
        dw, db = gradients(X, y, weights, bias)
        weights = weights - lr * dw
        bias = bias - lr * float(db)
        losses.append(error_formula(y, predict(X, weights, bias)).mean().item())
    if plot_path:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        plt.figure()
        plt.title("Error Plot")
        plt.xlabel("Number of epochs")
        plt.ylabel("Error")
        plt.plot(np.arange(epochs), losses)
        plt.savefig(plot_path)
        plt.close()
    return weights, torch.tensor(bias), losses

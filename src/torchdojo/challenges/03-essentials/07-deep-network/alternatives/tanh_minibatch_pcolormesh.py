"""Named layers in an OrderedDict, Tanh activations and three hidden layers, mini-batch Adam through a
DataLoader, and the surface drawn with NumPy's meshgrid and pcolormesh through pyplot's state machine."""
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402


def build_model():
    return nn.Sequential(OrderedDict([
        ("hidden1", nn.Linear(2, 48)), ("act1", nn.Tanh()),
        ("hidden2", nn.Linear(48, 48)), ("act2", nn.Tanh()),
        ("hidden3", nn.Linear(48, 48)), ("act3", nn.Tanh()),
        ("logits", nn.Linear(48, 3)),
    ]))


def train(model, x, y):
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(60):
        for xb, yb in loader:
            optimizer.zero_grad()
            criterion(model(xb), yb).backward()
            optimizer.step()


def plot_decision_surface(model, x, y, path):
    points = x.numpy()
    x_min, x_max = points[:, 0].min() - 0.3, points[:, 0].max() + 0.3
    y_min, y_max = points[:, 1].min() - 0.3, points[:, 1].max() + 0.3
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, 250), np.linspace(y_min, y_max, 250))
    grid = torch.from_numpy(np.c_[xx.ravel(), yy.ravel()]).float()
    with torch.no_grad():
        zz = model(grid).argmax(1).numpy().reshape(xx.shape)
    plt.figure(figsize=(7, 6))
    plt.pcolormesh(xx, yy, zz, cmap=plt.cm.Spectral, alpha=0.5, shading="auto")
    plt.scatter(points[:, 0], points[:, 1], c=y.numpy(), s=15, cmap=plt.cm.Spectral, edgecolors="k")
    plt.xlim(xx.min(), xx.max())
    plt.ylim(yy.min(), yy.max())
    plt.savefig(path)
    plt.close()

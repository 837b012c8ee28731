"""Spiral classifier with dropout between the hidden layers, Adam.

Fixed: validation ran without model.eval() (symptom F).
"""
import torch
from torch import nn

import common


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = common.make_model(hidden=64, dropout=0.3)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(20):
        model.train()  # dropout on while learning
        total, seen = 0.0, 0
        for xb, yb in common.minibatches(x_train, y_train, batch_size=32):
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total, seen = total + loss.item() * len(xb), seen + len(xb)
        history["loss"].append(total / seen)
        # The fix: model.eval() before measuring. In training mode dropout zeroes a random 30% of the
        # hidden units on every call, so the "validation accuracy" is that of a random, weakened network:
        # lower than the real model's and different on every call. torch.no_grad() below only skips
        # building the graph; it does not switch dropout (or batch norm) to inference behaviour.
        model.eval()
        with torch.no_grad():
            predictions = model(x_val).argmax(dim=1)
        history["val_accuracy"].append((predictions == y_val).float().mean().item())
    return model, history


if __name__ == "__main__":
    common.main(train)

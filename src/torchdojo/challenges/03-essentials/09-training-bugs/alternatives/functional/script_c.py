"""Spiral classifier with dropout, Adam; evaluation in a helper that restores the mode it found."""
import torch
import torch.nn.functional as F

import common


def accuracy(model, x, y):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return (model(x).argmax(dim=1) == y).float().mean().item()
    finally:
        model.train(was_training)


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = common.make_model(hidden=64, dropout=0.3)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    history = {"loss": [], "val_accuracy": []}
    model.train()
    for epoch in range(20):
        total = 0.0
        for xb, yb in common.minibatches(x_train, y_train, batch_size=32):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        history["loss"].append(total / len(x_train))
        history["val_accuracy"].append(accuracy(model, x_val, y_val))
    return model, history


if __name__ == "__main__":
    common.main(train)

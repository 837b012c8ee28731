"""Spiral classifier, Adam, batches from a DataLoader.

Fixed: optimizer.step() was missing (symptom B).
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import common


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = common.make_model(hidden=64)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    batches = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(20):
        model.train()
        epoch_loss = 0.0
        for step, (x, y) in enumerate(batches):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            # The fix: step() is the update w ← w − lr·(Adam's direction from w.grad). backward() only
            # computes gradients; without step() they are computed, zeroed and computed again, and the
            # weights never move: the same loss every epoch, accuracy at chance.
            optimizer.step()
            epoch_loss += loss.item()
        history["loss"].append(epoch_loss / (step + 1))
        model.eval()
        with torch.no_grad():
            hits = (model(x_val).argmax(dim=1) == y_val).sum().item()
        history["val_accuracy"].append(hits / len(x_val))
    return model, history


if __name__ == "__main__":
    common.main(train)

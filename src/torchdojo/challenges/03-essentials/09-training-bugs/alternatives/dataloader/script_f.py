"""Spiral classifier, Adam, DataLoader."""
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
        for x, y in batches:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()  # the loss is not kept; recompute it below for the log
            optimizer.step()
        model.eval()
        with torch.no_grad():
            history["loss"].append(loss_fn(model(x_train), y_train).item())
            history["val_accuracy"].append((model(x_val).argmax(dim=1) == y_val).float().mean().item())
    return model, history


if __name__ == "__main__":
    common.main(train)

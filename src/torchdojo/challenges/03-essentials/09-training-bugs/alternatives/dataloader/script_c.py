"""Spiral classifier with dropout, Adam, DataLoader."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import common


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = common.make_model(hidden=64, dropout=0.3)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(20):
        model.train()
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        history["loss"].append(total / len(x_train))
        model.eval()  # dropout off; inference_mode (like no_grad) only stops recording the graph
        with torch.inference_mode():
            hits = (model(x_val).argmax(dim=1) == y_val).sum().item()
        history["val_accuracy"].append(hits / len(y_val))
    return model, history


if __name__ == "__main__":
    common.main(train)

"""Spiral classifier, Adam, DataLoader, a smaller learning rate and more epochs."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import common

LEARNING_RATE = 3e-3
EPOCHS = 30


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = common.make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(EPOCHS):
        model.train()
        batch_losses = []
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        history["loss"].append(sum(batch_losses) / len(batch_losses))
        model.eval()
        with torch.no_grad():
            history["val_accuracy"].append((model(x_val).argmax(dim=1) == y_val).float().mean().item())
    return model, history


if __name__ == "__main__":
    common.main(train)

"""Spiral classifier, SGD with momentum, DataLoader; gradients cleared right after each step."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import common


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = common.make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(20):
        model.train()
        total = 0.0
        for inputs, labels in loader:
            loss = loss_fn(model(inputs), labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()  # after the step: the next backward starts from clean gradients
            total += loss.item() * len(labels)
        history["loss"].append(total / len(x_train))
        model.eval()
        with torch.no_grad():
            history["val_accuracy"].append((model(x_val).argmax(1) == y_val).float().mean().item())
    return model, history


if __name__ == "__main__":
    common.main(train)

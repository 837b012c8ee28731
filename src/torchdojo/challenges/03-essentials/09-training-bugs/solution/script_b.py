"""Spiral classifier, SGD with momentum, batches from a DataLoader.

Fixed: loss.backward() was missing (symptom A).
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import common


def train(x_train, y_train, x_val, y_val, epochs=20):
    torch.manual_seed(0)
    model = common.make_model()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        losses = []
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            # The fix: backward() is what computes d(loss)/d(parameter) into each parameter's .grad.
            # Without it every .grad stays None, optimizer.step() skips those parameters, and the model
            # never changes: the same loss every epoch, accuracy at chance.
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history["loss"].append(sum(losses) / len(losses))
        model.eval()
        with torch.no_grad():
            predicted = model(x_val).argmax(1)
        history["val_accuracy"].append((predicted == y_val).float().mean().item())
    return model, history


if __name__ == "__main__":
    common.main(train)

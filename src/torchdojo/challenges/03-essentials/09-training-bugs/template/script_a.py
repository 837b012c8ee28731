"""Spiral classifier, Adam, minibatches drawn by hand."""
import torch
from torch import nn

import common

EPOCHS = 20
BATCH_SIZE = 32


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = nn.Sequential(common.make_model(hidden=64), nn.Softmax(dim=1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(EPOCHS):
        model.train()
        running = 0.0
        for inputs, labels in common.minibatches(x_train, y_train, BATCH_SIZE):
            optimizer.zero_grad()
            scores = model(inputs)
            loss = loss_fn(scores, labels)
            loss.backward()
            optimizer.step()
            running += loss.item() * len(labels)
        history["loss"].append(running / len(x_train))
        model.eval()
        with torch.no_grad():
            correct = (model(x_val).argmax(dim=1) == y_val).sum().item()
        history["val_accuracy"].append(correct / len(y_val))
    return model, history


if __name__ == "__main__":
    common.main(train)

"""Spiral classifier, SGD with momentum, one function per epoch; gradients cleared by hand after each step
(`p.grad = None` for every parameter, which is what optimizer.zero_grad() does by default)."""
import torch
from torch import nn

import common


def train_one_epoch(model, optimizer, loss_fn, x, y):
    model.train()
    total = 0.0
    for inputs, labels in common.minibatches(x, y, 32):
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        optimizer.step()
        for p in model.parameters():  # the next backward starts from no gradient at all
            p.grad = None
        total += loss.item() * len(labels)
    return total / len(x)


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = common.make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(20):
        history["loss"].append(train_one_epoch(model, optimizer, loss_fn, x_train, y_train))
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_val).argmax(1) == y_val).float().mean()
        history["val_accuracy"].append(accuracy.item())
    return model, history


if __name__ == "__main__":
    common.main(train)

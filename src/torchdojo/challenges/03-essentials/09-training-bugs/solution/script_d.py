"""Spiral classifier, Adam at a fixed learning rate.

Fixed: the learning rate was 1.0, a hundred times too large (symptom D).
"""
import torch
from torch import nn

import common

# The fix: 1e-2 instead of 1.0. Adam's step for each weight is about lr in size whatever the gradient's
# scale, so lr=1.0 moves every weight by ~1 per step: the first steps throw the network far away (a huge
# loss), ReLUs die, and the loss bounces around at a high level. Adam's usual range is 1e-4 to 1e-2.
LEARNING_RATE = 1e-2
EPOCHS = 20


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = common.make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(EPOCHS):
        model.train()
        batch_losses = []
        for inputs, targets in common.minibatches(x_train, y_train, 32):
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        history["loss"].append(sum(batch_losses) / len(batch_losses))
        history["val_accuracy"].append(evaluate(model, x_val, y_val))
    return model, history


if __name__ == "__main__":
    common.main(train)

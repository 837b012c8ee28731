"""Spiral classifier, Adam, minibatches drawn by hand.

Fixed: no nn.Softmax in front of nn.CrossEntropyLoss (symptom E).
"""
import torch
from torch import nn

import common

EPOCHS = 20
BATCH_SIZE = 32


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    # The fix: no nn.Softmax after the last Linear. nn.CrossEntropyLoss expects raw scores (logits) and
    # applies log-softmax itself; fed probabilities it squashes them a second time, so the loss can never
    # go below ≈0.55 and its gradients shrink as the model becomes confident. Softmax belongs at
    # prediction time, and argmax does not even need it.
    model = common.make_model(hidden=64)
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

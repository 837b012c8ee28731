"""Spiral classifier, Adam at a modest learning rate."""
import torch
from torch import nn

import common


def train(x_train, y_train, x_val, y_val, lr=5e-3, epochs=20):
    torch.manual_seed(0)
    model = common.make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        batch_losses = []
        for inputs, targets in common.minibatches(x_train, y_train, 32):
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.detach())
        history["loss"].append(torch.stack(batch_losses).mean().item())
        model.eval()
        with torch.no_grad():
            history["val_accuracy"].append((model(x_val).argmax(dim=1) == y_val).double().mean().item())
    return model, history


if __name__ == "__main__":
    common.main(train)

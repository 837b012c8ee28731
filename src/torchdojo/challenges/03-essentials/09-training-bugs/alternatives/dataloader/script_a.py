"""Spiral classifier, Adam, DataLoader; softmax only where probabilities are wanted: at prediction."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import common


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = common.make_model()  # logits out; CrossEntropyLoss does the (log-)softmax
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(30):
        model.train()
        total = 0.0
        for inputs, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(inputs)
        history["loss"].append(total / len(loader.dataset))
        model.eval()
        with torch.no_grad():
            probabilities = torch.softmax(model(x_val), dim=1)  # for a prediction, not for the loss
        history["val_accuracy"].append((probabilities.argmax(dim=1) == y_val).float().mean().item())
    return model, history


if __name__ == "__main__":
    common.main(train)

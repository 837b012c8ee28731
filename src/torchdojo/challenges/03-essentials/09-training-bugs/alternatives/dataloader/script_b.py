"""Spiral classifier, SGD with momentum, DataLoader."""
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
            output = model(x)
            loss = criterion(output, y)
            optimizer.zero_grad()  # anywhere before backward() will do
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history["loss"].append(sum(losses) / len(losses))
        model.train(False)  # the same as model.eval()
        with torch.no_grad():
            history["val_accuracy"].append(float((model(x_val).argmax(1) == y_val).sum()) / len(y_val))
    return model, history


if __name__ == "__main__":
    common.main(train)

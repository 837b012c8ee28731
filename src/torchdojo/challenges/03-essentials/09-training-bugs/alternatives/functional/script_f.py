"""Spiral classifier, Adam, batches from a DataLoader."""
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

import common


def train(x_train, y_train, x_val, y_val):
    torch.manual_seed(0)
    model = common.make_model(hidden=64)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    batches = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(20):
        model.train()
        seen = []
        for x, y in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            seen.append(loss.item())
        history["loss"].append(sum(seen) / len(seen))
        model.eval()
        with torch.no_grad():
            history["val_accuracy"].append((model(x_val).argmax(dim=1) == y_val).float().mean())
    return model, history


if __name__ == "__main__":
    common.main(train)

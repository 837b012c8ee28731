"""Spiral classifier, SGD with momentum; gradients cleared after each step, on the model."""
import torch
import torch.nn.functional as F

import common


def train(x_train, y_train, x_val, y_val, epochs=20):
    torch.manual_seed(0)
    model = common.make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = {"loss": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        losses = []
        for x, y in common.minibatches(x_train, y_train, 32):
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            model.zero_grad()  # clear for the next batch: after the step works as well as before the backward
            losses.append(loss.item())
        history["loss"].append(sum(losses) / len(losses))
        model.eval()
        with torch.no_grad():
            history["val_accuracy"].append((model(x_val).argmax(1) == y_val).float().mean().item())
    return model, history


if __name__ == "__main__":
    common.main(train)

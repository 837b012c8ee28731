"""Functional style: F.dropout with training=self.training, accuracy from a count, validation logits
gathered over the batches and measured once, manual shuffling with index tensors."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


class Classifier(nn.Module):
    def __init__(self, dropout: float = 0.2):
        super().__init__()
        self.p = dropout
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in [(784, 256), (256, 128), (128, 64)])
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.hidden:
            x = F.dropout(F.relu(layer(x)), self.p, training=self.training)
        return self.out(x)


def accuracy(logits, labels):
    right = torch.count_nonzero(torch.eq(logits.argmax(-1), labels))
    return float(right) / labels.numel()


@torch.no_grad()
def evaluate(model, images, labels, batch_size=256):
    before = model.training
    model.eval()
    try:
        logits = torch.cat([model(chunk) for chunk in images.split(batch_size)])
    finally:
        model.train(before)
    return F.cross_entropy(logits, labels).item(), accuracy(logits, labels)


def fit(model, train_images, train_labels, val_images, val_labels, epochs=30, lr=2e-3, batch_size=32):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train_loss": [], "val_loss": [], "val_accuracy": []}
    n = len(train_images)
    for _ in range(epochs):
        model.train()
        losses = []
        for batch in torch.randperm(n).split(batch_size):
            loss = F.cross_entropy(model(train_images[batch]), train_labels[batch], reduction="sum")
            optimizer.zero_grad()
            (loss / len(batch)).backward()
            optimizer.step()
            losses.append(loss.item())
        val_loss, val_accuracy = evaluate(model, val_images, val_labels)
        for key, value in zip(history, (sum(losses) / n, val_loss, val_accuracy)):
            history[key].append(value)
    return history


def plot_history(history, path):
    figure, axis = plt.subplots(figsize=(7, 4.5))
    axis.plot(range(1, len(history["train_loss"]) + 1), history["train_loss"], "o-", label="train")
    axis.plot(range(1, len(history["val_loss"]) + 1), history["val_loss"], "s-", label="validation")
    axis.set(xlabel="epoch", ylabel="loss", title="over-fitting curve")
    axis.legend()
    figure.savefig(path)
    plt.close(figure)

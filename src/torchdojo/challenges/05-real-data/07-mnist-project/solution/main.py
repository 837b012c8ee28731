"""`python main.py train` trains the model, saves its weights (model.pt) and the training curve
(training_curve.png); `python main.py evaluate model.pt` prints the test accuracy."""
import math
import sys

import torch
import torch.nn.functional as F

from data import load, normalize
from model import Classifier

EPOCHS, BATCH_SIZE, MAX_LR = 3, 128, 3e-3


def train(weights: str = "model.pt", curve: str = "training_curve.png") -> None:
    torch.manual_seed(0)
    images, labels = load(train=True)
    images = normalize(images)  # once, up front: the whole split fits in memory as floats (188 MB)
    model = Classifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=MAX_LR)
    steps_per_epoch = math.ceil(len(images) / BATCH_SIZE)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=MAX_LR, total_steps=EPOCHS * steps_per_epoch)
    losses = []
    model.train()
    for epoch in range(EPOCHS):
        order = torch.randperm(len(images))
        for start in range(0, len(images), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())  # .item(): a number, so the graph of each step can be freed
        print(f"epoch {epoch + 1}/{EPOCHS}: mean loss {sum(losses[-steps_per_epoch:]) / steps_per_epoch:.4f}", flush=True)
    # The state_dict holds tensors only: it loads with torch.load(..., weights_only=True) into a fresh
    # Classifier, with no pickled Python class that could run code or break when the class moves.
    torch.save(model.state_dict(), weights)
    plot_curve(losses, curve)


def plot_curve(losses: list[float], path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")  # no window: this may run on a server
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(range(1, len(losses) + 1), losses, linewidth=0.8)
    ax.set_xlabel("training step")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.set_title("Training curve")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=100)
    plt.close(fig)


@torch.no_grad()
def evaluate(weights: str) -> float:
    model = Classifier()
    model.load_state_dict(torch.load(weights, weights_only=True))
    model.eval()  # inference behaviour (dropout off, batch-norm running statistics), whatever the model holds
    images, labels = load(train=False)
    correct = sum(int((model(normalize(x)).argmax(1) == y).sum())
                  for x, y in zip(images.split(1000), labels.split(1000)))
    accuracy = correct / len(labels)
    print(f"Test accuracy: {accuracy:.2%}")
    return accuracy


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "train":
        train()
        return 0
    if len(argv) == 2 and argv[0] == "evaluate":
        evaluate(argv[1])
        return 0
    print("usage: python main.py train | python main.py evaluate MODEL", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

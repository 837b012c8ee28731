"""Inference and validation: accuracy, a validation loop in eval mode without gradients, a training loop
that records the curves, and the plot that shows over-fitting (and dropout holding it back)."""
import matplotlib

matplotlib.use("Agg")  # draw into files, no window
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

SIZES = [784, 256, 128, 64, 10]  # the course notebook's network


class Classifier(nn.Module):
    """(N, 1, 28, 28) images -> (N, 10) logits; ReLU then Dropout(dropout) after each hidden layer."""

    def __init__(self, dropout: float = 0.2):
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        for n_in, n_out in zip(SIZES[:-2], SIZES[1:-1]):
            # nn.Dropout is a module, so model.eval() switches it off: it zeroes a random share `dropout` of
            # the activations (and scales the rest by 1/(1 - dropout)) only while model.training is True.
            layers += [nn.Linear(n_in, n_out), nn.ReLU(), nn.Dropout(dropout)]
        layers.append(nn.Linear(SIZES[-2], SIZES[-1]))  # nothing after the output layer: raw logits
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The share of rows whose highest logit is at the true label."""
    predictions = logits.argmax(dim=1)  # (N,), the same shape as labels: compare element by element
    return (predictions == labels).float().mean().item()


def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 256) -> tuple[float, float]:
    """(mean cross-entropy per image, accuracy) of `model` on the whole set, in batches."""
    was_training = model.training
    model.eval()  # dropout off (and BatchNorm on its running statistics): the model as it will be used
    total_loss, correct = 0.0, 0
    with torch.no_grad():  # no graph: nothing here is backpropagated, so don't pay for it in time and memory
        for start in range(0, len(images), batch_size):
            x, y = images[start:start + batch_size], labels[start:start + batch_size]
            logits = model(x)
            # Sum, then divide by the number of images once: a mean of batch means would give the last,
            # smaller batch the weight of a full one.
            total_loss += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(dim=1) == y).sum().item()
    model.train(was_training)  # give the model back in the mode it came in
    return total_loss / len(images), correct / len(images)


def fit(model: nn.Module, train_images: torch.Tensor, train_labels: torch.Tensor, val_images: torch.Tensor,
        val_labels: torch.Tensor, epochs: int = 30, lr: float = 2e-3, batch_size: int = 32) -> dict:
    """Train with Adam on shuffled mini-batches; after every epoch, validate. Returns the history."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": []}
    for _ in range(epochs):
        model.train()  # dropout on while learning
        order = torch.randperm(len(train_images))
        total = 0.0
        for start in range(0, len(train_images), batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(train_images[batch]), train_labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)  # .item(): a number, not a tensor that keeps the graph alive
        # Validate after the epoch's training, so the entry describes the model as it is now.
        val_loss, val_accuracy = evaluate(model, val_images, val_labels)
        history["train_loss"].append(total / len(train_images))
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(val_accuracy)
    return history


def plot_history(history: dict, path: str) -> None:
    """The training and validation losses per epoch (left) and the validation accuracy (right), saved to path."""
    epochs = range(1, len(history["train_loss"]) + 1)
    figure, (losses, accuracies) = plt.subplots(1, 2, figsize=(10, 4))
    losses.plot(epochs, history["train_loss"], label="training loss")
    losses.plot(epochs, history["val_loss"], label="validation loss")
    losses.set_xlabel("epoch")
    losses.set_ylabel("cross-entropy")
    losses.legend()
    accuracies.plot(epochs, history["val_accuracy"], color="tab:green")
    accuracies.set_xlabel("epoch")
    accuracies.set_ylabel("validation accuracy")
    figure.tight_layout()
    figure.savefig(path, dpi=100)  # save before closing: a closed figure is gone
    plt.close(figure)

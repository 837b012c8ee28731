"""One epoch of training and one pass of evaluation: the loop every PyTorch project is built on."""
import torch


def train_one_epoch(model, loader, loss_fn, optimizer) -> float:
    """Train `model` for one pass over `loader`; return the mean training loss over the epoch."""
    # Dropout and BatchNorm behave differently while training: switch them on, whatever mode the
    # model was left in (evaluate() switches it to eval mode).
    model.train()
    total_loss, seen = 0.0, 0
    for inputs, targets in loader:
        # .backward() ADDS to .grad; without clearing it, each step would use the sum of every
        # gradient so far instead of this batch's.
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)  # the mean over this batch
        loss.backward()  # fills p.grad for every parameter
        optimizer.step()  # one update per batch, using those gradients
        # .item() turns the 0-dim tensor into a Python float and drops its autograd graph; summing the
        # tensors themselves would keep every batch's graph alive until the end of the epoch.
        # Weighting by the batch size makes this the mean over the dataset even when the last batch
        # is smaller than the others.
        total_loss += loss.item() * len(inputs)
        seen += len(inputs)
    return total_loss / seen


def evaluate(model, loader, loss_fn) -> tuple[float, float]:
    """Mean loss and accuracy (a fraction in [0, 1]) of `model` over every example in `loader`."""
    model.eval()  # Dropout off, BatchNorm uses its running statistics (and stops updating them)
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():  # no graph is built: faster, less memory, and nothing can leak into training
        for inputs, targets in loader:
            outputs = model(inputs)
            total_loss += loss_fn(outputs, targets).item() * len(inputs)
            # outputs is (batch, classes): the predicted class is the largest score of each ROW
            correct += (outputs.argmax(dim=1) == targets).sum().item()
            seen += len(inputs)
    return total_loss / seen, correct / seen

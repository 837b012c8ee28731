"""Transfer learning: keep a pretrained network's features frozen, give it a new head, train only the head."""
import torch
import torch.nn.functional as F
from torch import nn

EPOCHS, BATCH_SIZE, LR = 3, 64, 1e-2


def adapt(pretrained: nn.Module, num_classes: int) -> nn.Module:
    """Freeze every pretrained parameter, then replace the head `fc` by a new Linear with num_classes outputs."""
    # Freeze first, replace second: the new head is created after the loop, so it keeps requires_grad=True.
    # A frozen parameter gets no .grad, so backward() stops at the head and never pays for the backbone.
    for parameter in pretrained.parameters():
        parameter.requires_grad_(False)
    # The old head maps the features to the 5 old classes; the new one maps the same features
    # (fc.in_features of them) to the new classes, from a fresh random initialisation.
    pretrained.fc = nn.Linear(pretrained.fc.in_features, num_classes)
    return pretrained


def train_head(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> None:
    """Train only model.fc on the new task; the backbone (weights and BatchNorm statistics) stays as it was."""
    # Eval mode for the whole model: BatchNorm then normalises with the running statistics it learned on the
    # old task and does not update them (in training mode it would, even with frozen weights). The head is a
    # Linear layer, which behaves the same in both modes.
    model.eval()
    # Only the head's parameters: the optimizer cannot touch what it does not hold (weight decay or momentum
    # on a frozen tensor would otherwise still be a risk), and it keeps no state for the backbone.
    optimizer = torch.optim.Adam(model.fc.parameters(), lr=LR)  # a head from scratch can take a large rate
    for _ in range(EPOCHS):
        order = torch.randperm(len(images))
        for start in range(0, len(images), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

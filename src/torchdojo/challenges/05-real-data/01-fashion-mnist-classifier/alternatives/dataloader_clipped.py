"""Course style: a TensorDataset and a shuffling DataLoader, nn.Sequential with a hidden layer, gradients
cleared with model.zero_grad() and clipped before each step, normalisation inside the model."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3, stride=2), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 6 * 6, 128), nn.ReLU(),
            nn.Linear(128, 10),
        )

    def forward(self, x):
        return self.net((x - 0.286) / 0.353)  # Fashion-MNIST's mean and std, applied to a new tensor


def fit(model, images, labels):
    loader = DataLoader(TensorDataset(images, labels), batch_size=128, shuffle=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(2):
        for x, y in loader:
            model.zero_grad()
            loss_fn(model(x), y).backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()

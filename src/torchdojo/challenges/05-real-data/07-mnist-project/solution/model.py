"""The network: (N, 1, 28, 28) images, normalised by data.normalize, -> (N, 10) class logits."""
from torch import nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        # Two strided 3×3 convolutions (28 -> 13 -> 6) see local strokes and parts; the ReLUs make the
        # stack more than one linear map. Cheap enough for a few epochs on a laptop's CPU.
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, stride=2), nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=2), nn.ReLU(),
        )
        self.head = nn.Linear(64 * 6 * 6, 10)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))  # logits: CrossEntropyLoss applies the softmax

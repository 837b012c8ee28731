"""The reference project's model: a small convolutional network for 28x28 or 32x32 images.

Three blocks of conv 3x3 -> max-pool 2x2 -> batch norm -> ReLU, then one linear layer. Pooling
right after each convolution (before normalisation and activation) gives the same function class as
the usual conv-BN-ReLU-pool order but runs batch norm and ReLU on a quarter of the pixels, which is
most of the step time on a CPU.

With ``flip_average`` (for images whose mirror image is the same class) the model in eval mode
averages its logits for the image and its mirror image: test-time augmentation that costs one
more forward pass at evaluation and nothing in training.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class ModelConfig:
    in_channels: int = 1
    image_size: int = 28
    num_classes: int = 10
    widths: tuple[int, ...] = (16, 32, 64)
    flip_average: bool = False


class ConvNet(nn.Module):
    def __init__(self, config: ModelConfig = ModelConfig()):
        super().__init__()
        blocks, channels = [], config.in_channels
        for width in config.widths:
            blocks += [
                nn.Conv2d(channels, width, kernel_size=3, padding=1, bias=False),  # BN adds a bias
                nn.MaxPool2d(2),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
            ]
            channels = width
        self.features = nn.Sequential(*blocks)
        side = config.image_size // 2 ** len(config.widths)  # 28 -> 14 -> 7 -> 3
        self.classifier = nn.Linear(channels * side * side, config.num_classes)
        self.flip_average = config.flip_average

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        logits = self.logits(images)
        if self.training or not self.flip_average:
            return logits
        return (logits + self.logits(images.flip(3))) / 2

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        features = self.features(images)  # (B, C, side, side)
        return self.classifier(features.flatten(1))  # (B, num_classes)

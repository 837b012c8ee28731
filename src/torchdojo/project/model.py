"""The reference project's model: a small convolutional network for 28x28 or 32x32 images.

Three blocks of conv 3x3 -> max-pool 2x2 -> batch norm -> ReLU, then a hidden layer of 128 and the
output layer. Pooling right after each convolution (before normalisation and activation) gives the
same function class as the usual conv-BN-ReLU-pool order but runs batch norm and ReLU on a quarter of
the pixels, which is most of the step time on a CPU.

The widths (16, 24, 48) with the hidden layer replaced (16, 32, 64) with a single linear layer: 30%
fewer FLOPs per image (7.9 instead of 11.3 MFLOP forward and backward; the hidden layer is 3% of
them) and the same ~92.3% after the 5 epochs the recipe had then; without the hidden layer the
narrower network stopped at ~91.7%. With AVX2 only (no bf16) that took the 5 epochs from 29.7 s to
25.1 s on 2 cores (``bench/train_speed.py``). Where bf16 is native, arithmetic is not what a step
costs, and the recipe trains widths (16, 32, 64) instead (``project.run.SHAPES``). Max pooling is
kept: stride-2 convolutions in its place were 15-40% cheaper but lost 0.5 to 1 point.

``whiten(images)`` turns the first convolution into a fixed filter bank, as the fast CIFAR-10
recipes do (Keller Jordan's airbench): the strongest principal directions of the images' 3x3 patches,
each scaled to unit variance and paired with its negative (so max pooling sees both signs), frozen.
The network starts from decorrelated inputs, and nothing trains or back-propagates through the
first block, whose 28x28 convolution and pooling are the least efficient part of a step. On
Fashion-MNIST (2 cores, fp32, AVX2) a step is ~15% faster, and 3 epochs at batch 128 reach
92.2-92.4% (3 seeds) where a learned first layer reaches 91.55%; it took 5 epochs for ~92.4%.

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
    widths: tuple[int, ...] = (16, 24, 48)
    hidden: int = 128  # units of the hidden layer before the output; 0: none (runs made before it)
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
        features = channels * side * side
        self.classifier = nn.Linear(features, config.num_classes) if not config.hidden else nn.Sequential(
            nn.Linear(features, config.hidden), nn.ReLU(inplace=True), nn.Linear(config.hidden, config.num_classes))
        self.flip_average = config.flip_average

    @torch.no_grad()
    def whiten(self, images: torch.Tensor, eps: float = 1e-2) -> None:
        """Set the first convolution to the patch-whitening filters of ``images`` (N, C, H, W),
        normalised as the model sees them, and freeze it (``requires_grad`` off)."""
        conv = self.features[0]
        channels, size = conv.in_channels, conv.kernel_size[0]
        second_moment, rows = 0, 0
        for batch in images.split(256):  # the patches of 256 CIFAR images take 54 MB
            patches = torch.nn.functional.unfold(batch.float(), size, padding=conv.padding)
            patches = patches.transpose(1, 2).reshape(-1, channels * size * size).double()
            second_moment, rows = second_moment + patches.T @ patches, rows + len(patches)
        variances, directions = torch.linalg.eigh(second_moment / rows)  # ascending
        needed = (conv.out_channels + 1) // 2
        if needed > len(variances):
            raise ValueError(f"{conv.out_channels} filters need {needed} patch directions; "
                             f"{channels}x{size}x{size} patches have {len(variances)}")
        strongest = (directions / (variances + eps).sqrt()).T.flip(0)[:needed]
        filters = torch.cat([strongest, -strongest])[:conv.out_channels]
        conv.weight.copy_(filters.reshape(conv.weight.shape).to(conv.weight.dtype))
        conv.weight.requires_grad_(False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        logits = self.logits(images)
        if self.training or not self.flip_average:
            return logits
        return (logits + self.logits(images.flip(3))) / 2

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        features = self.features(images)  # (B, C, side, side)
        return self.classifier(features.flatten(1))  # (B, num_classes)

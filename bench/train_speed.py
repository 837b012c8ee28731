"""Time to 91% and 92% Fashion-MNIST test accuracy: the reference recipe vs a course-style loop.

    python bench/train_speed.py [--device cpu] [--course-epochs 8]

Both train the same network (torchdojo.project.model.ConvNet) in this one process:

* reference: ``torchdojo.project`` as ``torchdojo train`` runs it (uint8 tensors on the device,
  channels_last, bf16 autocast where native, batch 256, SGD-Nesterov + one-cycle, flips, label
  smoothing);
* course-style: a torchvision dataset with ``ToTensor``, a shuffling DataLoader, batch 64, fp32,
  Adam at 1e-3, as the course notebooks write it.

Training time excludes the test-set evaluation after each epoch (accuracy is checked at epoch
ends, so "time to X%" is the training time up to the first epoch that reaches X%). Data loading
and warm-up are reported separately. Figures only; nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch

from torchdojo.data import torchvision_dataset
from torchdojo.project.model import ConvNet
from torchdojo.project.run import RunConfig, train_run
from torchdojo.train import pick_device

TARGETS = (0.91, 0.92)


def reference(device) -> list[tuple[float, float]]:
    """(cumulative training seconds, test accuracy) after each epoch of the reference recipe."""
    with tempfile.TemporaryDirectory() as run_dir:
        state = train_run(RunConfig(), Path(run_dir), device=str(device))
    curve, elapsed = [], 0.0
    for record in state.history:
        elapsed += record["train_seconds"]
        curve.append((elapsed, record["val_accuracy"]))
    return curve


def course_style(device, epochs: int) -> list[tuple[float, float]]:
    """The same network trained the way the course notebooks do it."""
    from torch.utils.data import DataLoader
    from torchvision import transforms

    to_tensor = transforms.ToTensor()
    train_loader = DataLoader(torchvision_dataset("fashion-mnist", True, transform=to_tensor),
                              batch_size=64, shuffle=True)
    test_loader = DataLoader(torchvision_dataset("fashion-mnist", False, transform=to_tensor),
                             batch_size=1000)
    torch.manual_seed(0)
    model = ConvNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = torch.nn.CrossEntropyLoss()
    curve, elapsed = [], 0.0
    for _ in range(epochs):
        started = time.perf_counter()
        model.train()
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
        elapsed += time.perf_counter() - started
        curve.append((elapsed, _accuracy(model, test_loader, device)))
        print(f"  course-style epoch {len(curve)}: {curve[-1][1]:.2%} after {elapsed:.1f} s",
              flush=True)
        if curve[-1][1] >= max(TARGETS):
            break
    return curve


def _accuracy(model, loader, device) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images.to(device)).argmax(1) == labels.to(device)).sum().item()
    return correct / len(loader.dataset)


def time_to(curve: list[tuple[float, float]], target: float) -> float | None:
    return next((seconds for seconds, accuracy in curve if accuracy >= target), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None)
    parser.add_argument("--course-epochs", type=int, default=8)
    args = parser.parse_args()
    device = pick_device(args.device)
    print(f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    fast = reference(device)
    print(f"reference: {len(fast)} epochs, {time.perf_counter() - started:.1f} s wall including "
          f"data loading, warm-up and evaluation; per epoch: "
          + ", ".join(f"{accuracy:.2%} @ {seconds:.1f} s" for seconds, accuracy in fast))
    slow = course_style(device, args.course_epochs)
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    print(f"\n{'target':>8} {'reference':>12} {'course-style':>14} {'speed-up':>9}")
    for target in TARGETS:
        ours, theirs = time_to(fast, target), time_to(slow, target)
        if ours and theirs:
            ratio = f"{theirs / ours:.1f}x"
        elif ours:  # the course-style loop ran out of epochs: its time is at least what it used
            ratio = f">{slow[-1][0] / ours:.1f}x"
        else:
            ratio = "n/a"
        print(f"{target:>8.0%} {_seconds(ours):>12} {_seconds(theirs):>14} {ratio:>9}")
    best = max(accuracy for _, accuracy in slow)
    print(f"(course-style ran {len(slow)} epochs, {slow[-1][0]:.1f} s, best {best:.2%})")


def _seconds(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.1f} s"


if __name__ == "__main__":
    main()

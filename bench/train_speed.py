"""Time to 91% and 92% Fashion-MNIST test accuracy: the reference recipe vs a course-style loop.

    python bench/train_speed.py [--device cpu] [--course-epochs 8] [--course-seeds 3]

Both train the same network (torchdojo.project.model.ConvNet) in this one process:

* reference: ``torchdojo.project`` as ``torchdojo train`` runs it (uint8 tensors on the device,
  channels_last, bf16 autocast where native, a frozen patch-whitening first layer, batch 128,
  SGD-Nesterov + one-cycle, flips, label smoothing, evaluating an average of the weights);
* course-style: a torchvision dataset with ``ToTensor``, a shuffling DataLoader, batch 64, fp32,
  Adam at 1e-3, as the course notebooks write it.

Training time excludes the test-set evaluation after each epoch (accuracy is checked at epoch
ends, so "time to X%" is the training time up to the first epoch that reaches X%). Data loading
and warm-up are reported separately. Figures only; nothing here asserts a time.

It first prints the machine as the recipe sees it: the CPU, its ATen capability (AVX512, AVX2) and
whether it computes bf16 natively, the measured fp32 and bf16 matmul rates (GFLOP/s), and the
recipe's FLOPs (counted by torch.utils.flop_counter on one training step); after the reference run,
the ratio of its training time to the floor those give (FLOPs / matmul rate in its precision).

To see a CPU without AVX-512 on one that has it, cap oneDNN (convolutions), MKL (matmuls) and ATen
(everything else) at AVX2:

    ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 ATEN_CPU_CAPABILITY=avx2 \
        python bench/train_speed.py --no-course
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from torchdojo.data import torchvision_dataset
from torchdojo.project.model import ConvNet, ModelConfig
from torchdojo.project.run import RunConfig, resolve, train_run
from torchdojo.train import pick_device
from torchdojo.train.device import cpu_description, precision_line, supports_bf16

TARGETS = (0.91, 0.92)


def matmul_rate(dtype, device, size: int = 1024, seconds: float = 1.0) -> float:
    """GFLOP/s of square matmuls in ``dtype`` on ``device``, the best of a few timed rounds."""
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)
    best, began = 0.0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        _sync(device)
        start = time.perf_counter()
        for _ in range(4):
            a @ b
        _sync(device)
        best = max(best, 4 * 2 * size ** 3 / (time.perf_counter() - start) / 1e9)
    return best


def _sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def training_flops_per_image(config: RunConfig) -> float:
    """Forward and backward FLOPs of one training image (convolutions and matmuls, as counted by
    torch.utils.flop_counter on one step of a batch of 64)."""
    from torch.utils.flop_counter import FlopCounterMode

    shape = config.model_config()
    model = ConvNet(shape)
    images = torch.randn(64, shape.in_channels, shape.image_size, shape.image_size)
    if config.whiten:  # a frozen first layer: no weight gradient, nothing back-propagated into it
        model.whiten(images)
    with FlopCounterMode(display=False) as counter:
        torch.nn.functional.cross_entropy(model(images), torch.randint(0, 10, (64,))).backward()
    return counter.get_total_flops() / 64


def reference(device, bf16: bool | None) -> list[tuple[float, float]]:
    """(cumulative training seconds, test accuracy) after each epoch of the reference recipe."""
    with tempfile.TemporaryDirectory() as run_dir:
        state = train_run(RunConfig(bf16=bf16), Path(run_dir), device=str(device))
    curve, elapsed = [], 0.0
    for record in state.history:
        elapsed += record["train_seconds"]
        curve.append((elapsed, record["val_accuracy"]))
    return curve


def course_style(device, epochs: int, widths, seed: int = 0) -> list[tuple[float, float]]:
    """The same network (without test-time flips or whitening) trained the way the course notebooks
    do it."""
    from torch.utils.data import DataLoader
    from torchvision import transforms

    to_tensor = transforms.ToTensor()
    train_loader = DataLoader(torchvision_dataset("fashion-mnist", True, transform=to_tensor),
                              batch_size=64, shuffle=True)
    test_loader = DataLoader(torchvision_dataset("fashion-mnist", False, transform=to_tensor),
                             batch_size=1000)
    torch.manual_seed(seed)
    model = ConvNet(ModelConfig(widths=widths)).to(device)
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
        print(f"  course-style (seed {seed}) epoch {len(curve)}: {curve[-1][1]:.2%} after {elapsed:.1f} s",
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
    parser.add_argument("--course-seeds", type=int, default=1,
                        help="run the course-style loop with seeds 0..N-1 and compare with the median "
                             "of their times (its accuracy hovers near 91%%, so one run's time to 91%% "
                             "is noisy)")
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                        help="the reference's precision (auto: what `torchdojo train` picks)")
    parser.add_argument("--no-course", action="store_true", help="time the reference recipe only")
    args = parser.parse_args()
    device = pick_device(args.device)
    bf16 = {"auto": None, "fp32": False, "bf16": True}[args.precision]
    config, device = resolve(RunConfig(bf16=bf16), device)
    print(f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    if device.type == "cpu":
        isa = os.environ.get("ONEDNN_MAX_CPU_ISA")
        print(f"cpu: {cpu_description()}" + (f" (oneDNN capped at {isa})" if isa else ""))
    rates = {"fp32": matmul_rate(torch.float32, device), "bf16": matmul_rate(torch.bfloat16, device)}
    native = "native" if supports_bf16(device) else "emulated"
    print(f"matmul 1024x1024: fp32 {rates['fp32']:.0f} GFLOP/s, bf16 {rates['bf16']:.0f} GFLOP/s ({native})")
    per_image = training_flops_per_image(config)
    train_images = 60_000 // config.batch_size * config.batch_size  # drop_last
    total = per_image * train_images * config.epochs
    print(f"recipe: ConvNet widths {config.widths}, {per_image / 1e6:.1f} MFLOP per training image "
          f"(forward + backward), {total / 1e12:.2f} TFLOP for {config.epochs} epochs; "
          f"precision: {precision_line(device, config.bf16)}")
    started = time.perf_counter()
    fast = reference(device, config.bf16)
    print(f"reference: {len(fast)} epochs, {time.perf_counter() - started:.1f} s wall including "
          f"data loading, warm-up and evaluation; per epoch: "
          + ", ".join(f"{accuracy:.2%} @ {seconds:.1f} s" for seconds, accuracy in fast))
    floor = total / (rates["bf16" if config.bf16 else "fp32"] * 1e9)
    print(f"floor (recipe FLOPs at the matmul rate): {floor:.1f} s; training took {fast[-1][0]:.1f} s, "
          f"{fast[-1][0] / floor:.1f}x the floor")
    if args.no_course:
        return
    runs = [course_style(device, args.course_epochs, config.widths, seed)
            for seed in range(args.course_seeds)]
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    compare(fast, runs)


def compare(fast: list[tuple[float, float]], runs: list[list[tuple[float, float]]]) -> None:
    """The reference's time to each target against the course-style runs' median time."""
    label = "course-style" if len(runs) == 1 else f"median of {len(runs)}"
    print(f"\n{'target':>8} {'reference':>12} {label:>14} {'speed-up':>9}")
    for target in TARGETS:
        ours = time_to(fast, target)
        # a run that never reached the target took at least all its epochs: counted so, marked ">"
        theirs, beyond = statistics.median_high(
            (time_to(slow, target) or slow[-1][0], time_to(slow, target) is None) for slow in runs)
        more = ">" if beyond else ""
        ratio = f"{more}{theirs / ours:.1f}x" if ours else "n/a"
        print(f"{target:>8.0%} {_seconds(ours):>12} {f'{more}{theirs:.1f} s':>14} {ratio:>9}")
    for seed, slow in enumerate(runs):
        best = max(accuracy for _, accuracy in slow)
        reached = ", ".join(f"{target:.0%} {_seconds(time_to(slow, target), 'at ')}" for target in TARGETS)
        print(f"(course-style seed {seed}: {len(slow)} epochs, {slow[-1][0]:.1f} s, best {best:.2%}; "
              f"{reached})")


def _seconds(value: float | None, before: str = "") -> str:
    return "not reached" if value is None else f"{before}{value:.1f} s"


if __name__ == "__main__":
    main()

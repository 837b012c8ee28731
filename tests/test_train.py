"""torchdojo.train: fit() and every callback, on tiny synthetic data (seconds, not minutes)."""
import io
import json
import os
import re
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from PIL import Image
from rich.console import Console
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from torchdojo.data import make_moons
from torchdojo.train import (
    Callback, Checkpoint, EarlyStopping, MetricsFile, ProgressBar, TensorBoard, TrainingCurve,
    evaluate, fit, load, save_atomic,
)


def moons_setup(dropout: float = 0.1, lr: float = 0.01):
    """A seeded MLP on two moons, with its optimizer and a one-cycle schedule over 6 epochs."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.ReLU(), torch.nn.Dropout(dropout),
                                torch.nn.Linear(32, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, total_steps=6 * 8)
    return model, optimizer, scheduler


TRAIN, VAL = make_moons(512, seed=0), make_moons(256, seed=1)


def fit_moons(epochs=6, callbacks=(), resume=None, **overrides):
    model, optimizer, scheduler = moons_setup()
    state = fit(model, TRAIN, optimizer=optimizer, scheduler=scheduler, epochs=epochs,
                batch_size=64, val_data=VAL, callbacks=callbacks, resume=resume, device="cpu",
                **overrides)
    return model, state


def test_fit_learns_a_nonlinear_boundary_and_records_each_epoch():
    model, state = fit_moons()
    assert [record["epoch"] for record in state.history] == [1, 2, 3, 4, 5, 6]
    assert state.step == 6 * 8 and len(state.step_losses) == 48
    assert state.history[-1]["val_accuracy"] > 0.95
    assert state.history[-1]["val_loss"] < state.history[0]["val_loss"]
    scores = evaluate(model, VAL, device="cpu", num_classes=2)
    assert scores["accuracy"] == pytest.approx(state.history[-1]["val_accuracy"])
    assert sum(scores["per_class_accuracy"]) / 2 == pytest.approx(scores["accuracy"])


def test_seed_none_leaves_the_callers_rng_alone():
    model, optimizer, _ = ddp_problem()  # no dropout: training itself draws no random numbers
    torch.manual_seed(7)
    expected = torch.get_rng_state()
    fit(model, TRAIN, optimizer=optimizer, epochs=1, device="cpu", seed=None)
    assert torch.equal(torch.get_rng_state(), expected)
    fit(model, TRAIN, optimizer=optimizer, epochs=1, device="cpu", seed=3)
    assert not torch.equal(torch.get_rng_state(), expected)


def test_scheduler_steps_per_step_or_per_epoch():
    _, state = fit_moons()
    assert state.history[0]["lr"] > state.history[-1]["lr"]  # one-cycle anneals to ~0
    assert state.history[-1]["lr"] < 1e-3
    model = moons_setup()[0]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    halving = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    state = fit(model, TRAIN, optimizer=optimizer, scheduler=halving, scheduler_interval="epoch",
                epochs=3, batch_size=64, device="cpu")
    assert [record["lr"] for record in state.history] == [0.01, 0.005, 0.0025]


class ScriptedScore(Callback):
    """Puts a scripted 'score' into each epoch record and remembers the evaluated model's weights
    of each epoch."""

    main_process_only = False

    def __init__(self, scores):
        self.scores, self.weights = scores, {}

    def on_epoch_end(self, state, record):
        record["score"] = self.scores[state.epoch - 1]
        self.weights[state.epoch] = clone_weights(state.evaluated)


def clone_weights(model) -> dict:
    return {name: value.clone() for name, value in model.state_dict().items()}


@pytest.mark.parametrize("ema_decay", [None, 0.9])
def test_early_stopping_patience_min_delta_and_best_weights(ema_decay):
    # Best at epoch 2; epoch 3 improves by less than min_delta, epoch 4 is worse: stop after 4.
    script = ScriptedScore([1.0, 0.5, 0.45, 0.6, 0.1, 0.1])
    stopper = EarlyStopping(monitor="score", mode="min", patience=2, min_delta=0.1)
    model, state = fit_moons(callbacks=[script, stopper], ema_decay=ema_decay)
    assert len(state.history) == 4 and stopper.best_epoch == 2
    for name, value in state.evaluated.state_dict().items():
        assert torch.equal(value, script.weights[2][name])
    assert not torch.equal(script.weights[4]["0.weight"], script.weights[2]["0.weight"])
    assert (state.evaluated is model) == (ema_decay is None)


class StepWeights(Callback):
    """The model's weights after every optimizer step."""

    def __init__(self):
        self.steps = []

    def on_step_end(self, state, loss):
        self.steps.append(clone_weights(state.model))


def test_weight_average_follows_every_step_and_is_what_is_evaluated_and_saved(tmp_path):
    """After step t the average moves towards the weights by 1 - min(decay, (1 + t) / (10 + t)),
    batch-norm statistics included; the epoch's scores and model.pt are the average's."""
    initial = clone_weights(ddp_problem_with_batch_norm()[0])
    model, optimizer, data = ddp_problem_with_batch_norm()
    steps = StepWeights()
    state = fit(model, data, optimizer=optimizer, epochs=2, batch_size=64, device="cpu",
                val_data=VAL, ema_decay=0.9, callbacks=[steps, Checkpoint(tmp_path)])
    expected = initial
    for step, weights in enumerate(steps.steps):
        decay = min(0.9, (1 + step) / (10 + step))
        expected = {name: decay * value + (1 - decay) * weights[name] if value.is_floating_point()
                    else weights[name] for name, value in expected.items()}
    average = state.evaluated.state_dict()
    assert len(steps.steps) == 16 and state.evaluated is not model
    for name, value in expected.items():
        torch.testing.assert_close(average[name], value, rtol=1e-6, atol=1e-7)
        assert not torch.equal(average[name], model.state_dict()[name]) or "tracked" in name
    assert all(not parameter.requires_grad for parameter in state.evaluated.parameters())
    saved = load(tmp_path / "model.pt")
    assert all(torch.equal(saved[name], value) for name, value in average.items())
    scores = evaluate(state.evaluated, VAL, device="cpu")
    assert scores["accuracy"] == state.history[-1]["val_accuracy"]
    assert scores["loss"] == pytest.approx(state.history[-1]["val_loss"], rel=1e-6)


def test_a_resumed_run_resumes_its_weight_average_or_says_it_has_none(tmp_path):
    full_model, full = fit_moons(epochs=4, ema_decay=0.8)
    fit_moons(epochs=2, ema_decay=0.8, callbacks=[Checkpoint(tmp_path)])
    checkpoint = load(tmp_path / "checkpoint.pt")
    _, resumed = fit_moons(epochs=4, ema_decay=0.8, resume=checkpoint)
    for name, value in full.evaluated.state_dict().items():
        assert torch.equal(value, resumed.evaluated.state_dict()[name]), name
    assert without_timings(resumed.history) == without_timings(full.history)
    fit_moons(epochs=2, callbacks=[Checkpoint(tmp_path / "plain")])
    with pytest.raises(ValueError, match="no weight average"):
        fit_moons(epochs=4, ema_decay=0.8, resume=load(tmp_path / "plain" / "checkpoint.pt"))


@pytest.mark.parametrize("decay", [0.0, 1.0, 1.5])
def test_a_decay_outside_zero_to_one_is_refused(decay):
    with pytest.raises(ValueError, match="ema_decay must be between 0 and 1"):
        fit_moons(epochs=1, ema_decay=decay)


def test_early_stopping_names_a_missing_metric():
    with pytest.raises(KeyError, match="val_f1"):
        fit_moons(epochs=1, callbacks=[EarlyStopping(monitor="val_f1")])


def test_checkpoint_and_metrics_file_and_resume_reproduce_an_uninterrupted_run(tmp_path):
    full_model, full = fit_moons(epochs=6)
    fit_moons(epochs=3, callbacks=[Checkpoint(tmp_path), MetricsFile(tmp_path / "metrics.json")])
    checkpoint = load(tmp_path / "checkpoint.pt")  # weights_only=True inside
    assert checkpoint["epoch"] == 3
    assert set(checkpoint) >= {"model", "optimizer", "scheduler", "rng"}
    saved_weights = load(tmp_path / "model.pt")
    assert torch.equal(saved_weights["0.weight"], checkpoint["model"]["0.weight"])
    assert json.loads((tmp_path / "metrics.json").read_text())["history"] == checkpoint["history"]
    resumed_model, resumed = fit_moons(epochs=6, resume=checkpoint)
    for name, value in full_model.state_dict().items():
        assert torch.equal(value, resumed_model.state_dict()[name]), name  # exactly, not close
    assert without_timings(resumed.history) == without_timings(full.history)
    assert resumed.step_losses == full.step_losses


def without_timings(history):
    return [{k: v for k, v in record.items() if k != "train_seconds"} for record in history]


class Exploding:
    """An object whose pickling fails halfway through a save, like a full disk would."""

    def __reduce__(self):
        raise OSError("No space left on device (injected)")


def test_failed_save_leaves_previous_checkpoint_loadable(tmp_path):
    path = tmp_path / "checkpoint.pt"
    save_atomic({"epoch": 1, "weights": torch.arange(1000.0)}, path)
    with pytest.raises(OSError, match="injected"):
        save_atomic({"epoch": 2, "weights": torch.zeros(1000), "bad": Exploding()}, path)
    survivor = load(path)
    assert survivor["epoch"] == 1 and torch.equal(survivor["weights"], torch.arange(1000.0))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]  # no temp litter


def test_process_killed_mid_save_leaves_previous_checkpoint_loadable(tmp_path):
    path = tmp_path / "checkpoint.pt"
    script = textwrap.dedent(f"""
        import os, torch
        from torchdojo.train import save_atomic
        class Crash:
            def __reduce__(self):
                os._exit(9)  # the process dies mid-save: no exception handler runs
        save_atomic({{"epoch": 1}}, {str(path)!r})
        save_atomic({{"epoch": 2, "big": torch.ones(10**6), "crash": Crash()}}, {str(path)!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == 9
    assert load(path) == {"epoch": 1}


def test_loading_refuses_pickled_code(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"model": Callback()}, path)
    with pytest.raises(Exception, match="weights_only"):
        load(path)


def test_tensorboard_events_read_back(tmp_path):
    model, state = fit_moons(epochs=3, callbacks=[TensorBoard(tmp_path)])
    events = EventAccumulator(str(tmp_path), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    tags = events.Tags()
    assert {"train/loss_step", "epoch/train_loss", "epoch/val_accuracy", "epoch/lr"} <= set(
        tags["scalars"])
    assert {f"weights/{name}" for name, _ in model.named_parameters()} <= set(tags["histograms"])
    steps = events.Scalars("train/loss_step")
    assert [event.step for event in steps] == list(range(1, 25))
    assert [event.value for event in steps] == pytest.approx(state.step_losses, rel=1e-6)
    accuracy = events.Scalars("epoch/val_accuracy")
    assert [(e.step, round(e.value, 5)) for e in accuracy] == [
        (r["epoch"], round(r["val_accuracy"], 5)) for r in state.history]
    last = events.Histograms("weights/0.weight")[-1]
    assert last.step == 3 and last.histogram_value.num == model[0].weight.numel()


def test_resumed_run_replaces_the_tensorboard_steps_logged_after_its_checkpoint(tmp_path):
    # Checkpoint after epoch 2 but log through epoch 3, as a run killed late in epoch 3 would.
    fit_moons(epochs=3, callbacks=[Checkpoint(tmp_path, every=2), TensorBoard(tmp_path)])
    assert load(tmp_path / "checkpoint.pt")["step"] == 16
    _, resumed = fit_moons(epochs=3, resume=load(tmp_path / "checkpoint.pt"),
                     callbacks=[TensorBoard(tmp_path)])
    events = EventAccumulator(str(tmp_path), size_guidance={"scalars": 0})
    events.Reload()
    logged = events.Scalars("train/loss_step")
    assert [event.step for event in logged] == list(range(1, 25))  # each step once, none lost
    assert [event.value for event in logged] == pytest.approx(resumed.step_losses, rel=1e-6)


def test_training_curve_png_is_a_real_nonblank_image(tmp_path):
    path = tmp_path / "curve.png"
    fit_moons(epochs=4, callbacks=[TrainingCurve(path)])
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (1000, 400)
        pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # lines, text, markers
    blue = (pixels[..., 2] > 150) & (pixels[..., 0] < 100)  # the loss line
    green = (pixels[..., 1] > 120) & (pixels[..., 0] < 100) & (pixels[..., 2] < 100)  # val acc
    assert blue[:, :500].sum() > 200 and green[:, 500:].sum() > 200


def test_progress_bar_only_on_a_terminal(capsys):
    assert ProgressBar().enabled is False  # pytest's stderr is not a terminal
    fit_moons(epochs=1, callbacks=[ProgressBar()])
    assert capsys.readouterr().err == ""
    screen = io.StringIO()
    fit_moons(epochs=1, callbacks=[ProgressBar(Console(file=screen, force_terminal=True, width=80))])
    shown = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", screen.getvalue())  # drop colours, cursor moves
    assert re.search(r"epoch 1 ━+ \d/8 loss \d\.\d{4}", shown), shown


def test_bf16_autocast_trains_too():
    _, state = fit_moons(epochs=3, bf16=True)
    assert state.history[-1]["val_accuracy"] > 0.9


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


DDP_WORKER = """
import sys, torch
sys.path.insert(0, {tests!r})
from test_train import {problem} as problem
from torchdojo.data import make_moons
from torchdojo.train import fit, shutdown
model, optimizer, data = problem()
state = fit(model, data, optimizer=optimizer, epochs=2, batch_size=64, device="cpu", seed=5,
            val_data=make_moons(200, seed=9))
if state.context.rank == 0:
    torch.save({{"model": model.state_dict(), "last": state.history[-1]}}, {out!r})
shutdown(state.context)
"""


def run_on_two_gloo_ranks(problem: str, tmp_path) -> dict:
    """Run DDP_WORKER as torchrun would (2 processes, env:// rendezvous); rank 0's result."""
    out = tmp_path / "ddp.pt"
    code = DDP_WORKER.format(tests=os.path.dirname(__file__), problem=problem, out=str(out))
    env = {**os.environ, "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1",
           "MASTER_PORT": str(free_port())}
    workers = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE,
                                env={**env, "RANK": str(rank), "LOCAL_RANK": str(rank)})
               for rank in range(2)]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()[-2000:]
    return torch.load(out, weights_only=True)


def ddp_problem():
    """No dropout or batch norm: then DDP on 2 x 32 examples must equal 1 process on 64."""
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    return model, torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9), make_moons(512)


def ddp_problem_with_batch_norm():
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU(),
                                torch.nn.Linear(16, 2))
    return model, torch.optim.SGD(model.parameters(), lr=0.1), make_moons(512)


def test_ddp_two_gloo_processes_match_one_process_on_the_global_batch(tmp_path):
    distributed = run_on_two_gloo_ranks("ddp_problem", tmp_path)["model"]
    model, optimizer, data = ddp_problem()
    fit(model, data, optimizer=optimizer, epochs=2, batch_size=64, device="cpu", seed=5)
    initial = ddp_problem()[0].state_dict()
    for name, value in model.state_dict().items():
        assert not torch.allclose(value, initial[name])  # training moved the weights
        torch.testing.assert_close(distributed[name], value, rtol=1e-5, atol=1e-6)


def test_ddp_reports_what_the_saved_model_scores(tmp_path):
    # Each rank's batch-norm statistics drift apart within an epoch; the scores reported must be
    # those of rank 0's model, the one that is saved.
    result = run_on_two_gloo_ranks("ddp_problem_with_batch_norm", tmp_path)
    model = ddp_problem_with_batch_norm()[0]
    model.load_state_dict(result["model"])
    scores = evaluate(model, make_moons(200, seed=9), device="cpu")
    assert scores["loss"] == pytest.approx(result["last"]["val_loss"], rel=1e-6)
    assert scores["accuracy"] == result["last"]["val_accuracy"]


def test_bf16_is_chosen_only_where_torch_computes_it_natively():
    """A CPU with AVX512-BF16/AMX but torch capped at AVX2 (ATEN_CPU_CAPABILITY) emulates bf16,
    ~8x slower than fp32: the recipe must then train in fp32, and say so."""
    code = ("import torch; from torchdojo.train import supports_bf16; from torchdojo.train.device import "
            "precision_line; cpu = torch.device('cpu'); print(supports_bf16(cpu)); "
            "print(precision_line(cpu, supports_bf16(cpu)))")
    capped = subprocess.run([sys.executable, "-c", code], env={**os.environ, "ATEN_CPU_CAPABILITY": "avx2"},
                            capture_output=True, text=True, timeout=120)
    chosen, line = capped.stdout.splitlines()
    assert chosen == "False" and line.startswith("fp32, channels_last (CPU: ") and ", AVX2, " in line, capped.stdout


@pytest.mark.parametrize("epochs", [1, 3, 30])
def test_the_accuracy_plot_ticks_whole_epochs_and_says_what_training_accuracy_is(tmp_path, epochs):
    from torchdojo.train.callbacks import plot_training_curve

    history = [{"epoch": e, "train_accuracy": 0.5 + e / 100, "val_accuracy": 0.6} for e in range(1, epochs + 1)]
    figure = plot_training_curve([1.0, 0.5] * epochs, history, tmp_path / "curve.png", "training (augmented)",
                                 "test split")
    accuracy = figure.axes[1]
    ticks = [t for t in accuracy.get_xticks() if 1 <= t <= epochs]
    assert ticks and all(float(t).is_integer() for t in ticks) and (epochs > 12 or ticks == list(range(1, epochs + 1)))
    labels = [line.get_label() for line in accuracy.lines]
    assert labels == ["training (augmented), mean over the epoch", "test split"]
    with Image.open(tmp_path / "curve.png") as image:
        assert image.size == (1000, 400)

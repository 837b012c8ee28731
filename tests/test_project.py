"""The reference project and `torchdojo train` / `evaluate`, including one short real run.

The real run uses Debian's Fashion-MNIST files and fails (not skips) without them: CI installs them.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from torchdojo.cli.app import main
from torchdojo.cli.exit_codes import ExitCode
from torchdojo.project.data import Preprocess, load_split
from torchdojo.project.model import ConvNet, ModelConfig
from torchdojo.project.run import WHITENING_IMAGES, RunConfig, read_config, resolve, train_run
from torchdojo.train import Callback, TrainState, load

ARTIFACTS = {"model.pt", "checkpoint.pt", "metrics.json", "training_curve.png"}


@pytest.mark.parametrize("channels, size", [(1, 28), (3, 32)])
def test_model_maps_images_to_logits(channels, size):
    model = ConvNet(ModelConfig(in_channels=channels, image_size=size))
    logits = model(torch.randn(5, channels, size, size))
    assert logits.shape == (5, 10)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_flip_average_is_eval_only_test_time_augmentation():
    torch.manual_seed(0)
    model = ConvNet(ModelConfig(flip_average=True))
    images = torch.randn(4, 1, 28, 28)
    model.train()
    assert torch.equal(model(images), model.logits(images))
    model.eval()
    expected = (model.logits(images) + model.logits(images.flip(3))) / 2
    torch.testing.assert_close(model(images), expected)
    assert not torch.allclose(model(images), model.logits(images))


def correlated_images(count: int = 64, channels: int = 1, size: int = 28) -> torch.Tensor:
    """Smoothed noise with unit variance: neighbouring pixels correlate, as in photographs."""
    noise = torch.randn(count, channels, size + 2, size + 2, generator=torch.Generator().manual_seed(0))
    smooth = torch.nn.functional.avg_pool2d(noise, 3, stride=1)
    return smooth / smooth.std()


@pytest.mark.parametrize("channels, size", [(1, 28), (3, 32)])
def test_whiten_makes_the_first_layer_fixed_decorrelating_filters_and_their_negatives(channels, size):
    images = correlated_images(channels=channels, size=size)
    model = ConvNet(ModelConfig(in_channels=channels, image_size=size, widths=(16, 8)))
    model.whiten(images)
    conv = model.features[0]
    responses = conv(images).permute(1, 0, 2, 3).flatten(1)  # (16 filters, every position)
    half = responses[:8]
    torch.testing.assert_close(responses[8:], -half)
    covariance = half @ half.T / half.shape[1]
    off_diagonal = covariance - torch.diag(covariance.diagonal())
    assert off_diagonal.abs().max() < 1e-4, off_diagonal.abs().max()  # uncorrelated responses
    variances = covariance.diagonal()  # variance / (variance + eps): near 1 for strong directions
    assert variances[0] > 0.95 and variances.max() <= 1, variances
    assert torch.all(variances[1:] <= variances[:-1] + 1e-6), variances  # the strongest first
    assert not conv.weight.requires_grad
    model(images).sum().backward()
    assert conv.weight.grad is None
    assert all(p.grad is not None for p in model.parameters() if p is not conv.weight)


def test_whiten_refuses_more_filters_than_patch_directions():
    model = ConvNet(ModelConfig(widths=(20,)))  # 10 directions of 1x3x3 patches needed, 9 exist
    with pytest.raises(ValueError, match="20 filters need 10 patch directions"):
        model.whiten(correlated_images())


class StopAfterFirstEpoch(Callback):
    def on_epoch_end(self, state, record: dict) -> None:
        state.stop = True


def test_an_interrupted_run_resumes_to_the_weights_of_an_uninterrupted_one(tmp_path):
    """Fashion-MNIST, a small network: the whitened first layer stays fixed through the resume."""
    config = RunConfig(epochs=2, batch_size=1024, widths=(8, 8), hidden=16, bf16=False)
    train_run(config, tmp_path / "whole", device="cpu")
    train_run(config, tmp_path / "parts", device="cpu", callbacks=[StopAfterFirstEpoch()])
    assert load(tmp_path / "parts" / "checkpoint.pt")["epoch"] == 1
    train_run(config, tmp_path / "parts", device="cpu", resume=True)
    whole, parts = load(tmp_path / "whole" / "model.pt"), load(tmp_path / "parts" / "model.pt")
    for name, value in whole.items():
        assert torch.equal(parts[name], value), name
    untrained = ConvNet(config.model_config())
    images, _ = load_split("fashion-mnist", True, "cpu")
    untrained.whiten(Preprocess("fashion-mnist", "cpu")(images[:WHITENING_IMAGES], train=False))
    assert torch.equal(whole["features.0.weight"], untrained.features[0].weight)  # never trained
    assert not torch.equal(whole["features.4.weight"], untrained.features[4].weight)


@pytest.mark.parametrize("bf16, widths, batch_size", [(True, (16, 32, 64), 192), (False, (16, 24, 48), 128)])
def test_the_network_and_batch_follow_the_precision_unless_given(bf16, widths, batch_size):
    """Where bf16 is native a wider network costs no more per step (SHAPES); given ones are kept."""
    config, _ = resolve(RunConfig(bf16=bf16), "cpu")
    assert (config.widths, config.batch_size, config.bf16) == (widths, batch_size, bf16)
    assert ConvNet(config.model_config()).features[4].out_channels == widths[1]
    given, _ = resolve(RunConfig(bf16=bf16, widths=(8, 8), batch_size=64), "cpu")
    assert (given.widths, given.batch_size) == ((8, 8), 64)
    with pytest.raises(ValueError, match="resolve"):
        RunConfig().model_config()


def test_resuming_a_finished_run_is_refused_before_anything_starts(tmp_path, capsys):
    run_dir = tmp_path / "done"
    train_run(RunConfig(epochs=1, batch_size=2048, widths=(8,), hidden=0, bf16=False), run_dir, device="cpu")
    capsys.readouterr()
    assert main(["train", "--resume", str(run_dir)]) == ExitCode.USAGE
    said = capsys.readouterr()
    assert "already finished its 1 epoch;" in said.err and "training in" not in said.out + said.err


def test_preprocess_normalises_flips_only_clothes_and_uses_channels_last():
    torch.manual_seed(0)
    images = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8)
    clothes = Preprocess("fashion-mnist", torch.device("cpu"))
    plain = clothes(images, train=False)
    expected = (images.float() / 255 - 0.2860) / 0.3530
    torch.testing.assert_close(plain, expected)
    assert plain.is_contiguous(memory_format=torch.channels_last)
    augmented = clothes(images, train=True)
    flipped = [torch.equal(a, p.flip(2)) for a, p in zip(augmented, plain)]
    unchanged = [torch.equal(a, p) for a, p in zip(augmented, plain)]
    assert all(f or u for f, u in zip(flipped, unchanged)) and 10 < sum(flipped) < 54
    digits = Preprocess("mnist", torch.device("cpu"))
    assert torch.equal(digits(images, train=True), digits(images, train=False))


def test_train_then_evaluate_on_real_fashion_mnist(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--out", str(run_dir)]) == ExitCode.OK
    trained = capsys.readouterr().out
    from torchdojo.train import supports_bf16

    if not torch.cuda.is_available():  # what it chose, and why: the CPU and its capability
        precision = "bf16 autocast" if supports_bf16(torch.device("cpu")) else "fp32"
        assert f"training in {precision}, channels_last (CPU: " in trained, trained
    config = json.loads((run_dir / "metrics.json").read_text())["config"]
    assert f"; widths {'/'.join(map(str, config['widths']))}, batch {config['batch_size']}\n" in trained
    from torchdojo.data import locate

    assert f"data: fashion-mnist in {locate('fashion-mnist')[1]}\n" in trained  # where it read the images
    reported = re.search(r"test accuracy (\d+\.\d+)% after 1 epoch,", trained)
    assert reported, trained
    assert float(reported.group(1)) > 85.0  # one epoch of the recipe; its 3 epochs reach ~92%
    assert ARTIFACTS <= {path.name for path in run_dir.iterdir()}
    assert list(run_dir.glob("events.out.tfevents.*"))

    assert main(["evaluate", str(run_dir)]) == ExitCode.OK
    evaluated = capsys.readouterr().out
    assert f"test accuracy {reported.group(1)}%" in evaluated
    assert re.search(r"Ankle boot\s+\d+\.\d+%", evaluated) and "T-shirt/top" in evaluated

    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["config"]["dataset"] == "fashion-mnist" and metrics["epochs_completed"] == 1
    assert load(run_dir / "checkpoint.pt")["epoch"] == 1
    with Image.open(run_dir / "training_curve.png") as image:
        pixels = np.asarray(image.convert("RGB"))
    assert image.size == (1000, 400) and pixels.std() > 10
    events = EventAccumulator(str(run_dir))
    events.Reload()
    assert len(events.Scalars("train/loss_step")) == 60000 // metrics["config"]["batch_size"]


def test_torchrun_with_two_cpu_processes_trains_and_reports_the_saved_models_accuracy(
        tmp_path, capsys):
    run_dir = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node", "2", "-m", "torchdojo", "train", "--epochs", "1",
               "--out", str(run_dir)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    reported = re.findall(r"test accuracy (\d+\.\d+)% after 1 epoch,", result.stdout)
    assert len(reported) == 1, result.stdout  # rank 0 alone prints
    assert float(reported[0]) > 85.0
    assert main(["evaluate", str(run_dir)]) == ExitCode.OK
    assert f"test accuracy {reported[0]}%" in capsys.readouterr().out


def small_run_dir(tmp_path) -> Path:
    """A run directory as `torchdojo train` leaves it after the first of 2 epochs (no model.pt)."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "metrics.json").write_text(json.dumps({"config": {"dataset": "fashion-mnist",
                                                                 "epochs": 2, "widths": [8]}}))
    return run_dir


def assert_one_line_naming(error: str, path: Path, words: str) -> None:
    assert str(path) in error and words in error, error
    assert "Traceback" not in error and len(error.strip().splitlines()) == 1


def test_run_directories_are_never_overwritten_or_extended(tmp_path, capsys):
    run_dir = small_run_dir(tmp_path)
    assert main(["train", "--out", str(run_dir)]) == ExitCode.USAGE
    assert f"--resume {run_dir}" in capsys.readouterr().err
    assert main(["train", "--resume", str(run_dir), "--epochs", "5"]) == ExitCode.USAGE
    assert "cannot change" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "nowhere")]) == ExitCode.FILE_NOT_FOUND
    assert_one_line_naming(capsys.readouterr().err, tmp_path / "nowhere", "does not exist")
    assert main(["evaluate", str(run_dir)]) == ExitCode.FILE_NOT_FOUND  # the run has not finished
    assert_one_line_naming(capsys.readouterr().err, run_dir / "model.pt", "not found")


def test_a_one_epoch_run_is_one_epoch_in_the_refusal_to_resume_longer(tmp_path, capsys):
    run_dir = small_run_dir(tmp_path)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    metrics["config"]["epochs"] = 1
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    assert main(["train", "--resume", str(run_dir), "--epochs", "3"]) == ExitCode.USAGE
    error = " ".join(capsys.readouterr().err.split())
    assert f"{run_dir} was planned for 1 epoch and its one-cycle schedule cannot change" in error, error


def test_truncated_model_is_a_bad_file_named_in_one_line(tmp_path, capsys):
    run_dir = small_run_dir(tmp_path)
    torch.save(ConvNet(ModelConfig(widths=(8,))).state_dict(), run_dir / "model.pt")
    whole = (run_dir / "model.pt").read_bytes()
    (run_dir / "model.pt").write_bytes(whole[:len(whole) // 2])
    assert main(["evaluate", str(run_dir)]) == ExitCode.BAD_FILE
    assert_one_line_naming(capsys.readouterr().err, run_dir / "model.pt", "truncated")


def test_a_run_recorded_before_the_hidden_layer_still_evaluates(tmp_path, capsys):
    """Runs written before the model had a hidden layer record no "hidden": they are read as hidden=0;
    nor "whiten": their first layer trained (a resumed one trains it on); nor "ema_decay": they kept no
    average of the weights."""
    run_dir = small_run_dir(tmp_path)
    config = read_config(run_dir)
    assert config.hidden == 0 and config.whiten is False and config.ema_decay is None
    torch.save(ConvNet(ModelConfig(widths=(8,), hidden=0, flip_average=True)).state_dict(), run_dir / "model.pt")
    assert main(["evaluate", str(run_dir)]) == ExitCode.OK
    assert "test accuracy" in capsys.readouterr().out


def test_model_of_another_shape_is_a_bad_file(tmp_path, capsys):
    run_dir = small_run_dir(tmp_path)
    torch.save(ConvNet(ModelConfig(widths=(16,))).state_dict(), run_dir / "model.pt")
    assert main(["evaluate", str(run_dir)]) == ExitCode.BAD_FILE
    assert_one_line_naming(capsys.readouterr().err, run_dir / "model.pt",
                           "does not hold this run's model weights")


def test_resuming_from_model_weights_instead_of_a_checkpoint_is_a_bad_file(tmp_path, capsys):
    run_dir = small_run_dir(tmp_path)
    torch.save(ConvNet(ModelConfig(widths=(8,))).state_dict(), run_dir / "checkpoint.pt")
    assert main(["train", "--resume", str(run_dir)]) == ExitCode.BAD_FILE
    assert_one_line_naming(capsys.readouterr().err, run_dir / "checkpoint.pt",
                           "is not a training checkpoint: it has no 'model', 'optimizer'")


def test_resuming_from_a_checkpoint_without_the_weight_average_is_a_bad_file(tmp_path, capsys):
    run_dir = small_run_dir(tmp_path)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    metrics["config"]["ema_decay"] = 0.99
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    model = ConvNet(ModelConfig(widths=(8,), hidden=0))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    checkpoint = TrainState(model, optimizer, epoch=1).state_dict()  # "average": None
    torch.save(checkpoint, run_dir / "checkpoint.pt")
    assert main(["train", "--resume", str(run_dir)]) == ExitCode.BAD_FILE
    assert_one_line_naming(capsys.readouterr().err, run_dir / "checkpoint.pt",
                           "has no average of the weights")


def test_corrupt_dataset_file_is_a_bad_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TORCHDOJO_OFFLINE", "1")
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (folder / name).write_bytes(b"not an IDX file")
    code = main(["train", "--dataset", "mnist", "--data-dir", str(folder),
                 "--out", str(tmp_path / "run")])
    assert code == ExitCode.BAD_FILE
    assert_one_line_naming(capsys.readouterr().err, folder / "train-images-idx3-ubyte",
                           "is not an IDX file")


def test_missing_dataset_is_one_line_and_its_own_exit_code(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TORCHDOJO_OFFLINE", "1")
    empty = tmp_path / "empty"
    empty.mkdir()
    code = main(["train", "--dataset", "mnist", "--data-dir", str(empty),
                 "--out", str(tmp_path / "run")])
    assert code == ExitCode.DATA_MISSING
    error = capsys.readouterr().err.strip()
    assert "MNIST/raw" in error and "train-images-idx3-ubyte" in error
    assert "Traceback" not in error and len(error.splitlines()) <= 3  # one message, maybe wrapped


def test_bad_device_is_a_usage_error(tmp_path, capsys):
    code = main(["train", "--device", "tpu", "--out", str(tmp_path / "run")])
    assert code == ExitCode.USAGE
    assert "unknown device 'tpu'" in capsys.readouterr().err

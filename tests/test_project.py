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
from torchdojo.project.data import Preprocess
from torchdojo.project.model import ConvNet, ModelConfig
from torchdojo.train import load

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
    reported = re.search(r"test accuracy (\d+\.\d+)% after 1 epoch,", trained)
    assert reported, trained
    assert float(reported.group(1)) > 85.0  # one epoch of the recipe; its 5 epochs reach ~92%
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
    assert len(events.Scalars("train/loss_step")) == 60000 // 256


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
    assert main(["evaluate", str(tmp_path / "nowhere")]) == ExitCode.USAGE
    error = capsys.readouterr().err
    assert "metrics.json not found" in error and "Traceback" not in error


def test_truncated_model_is_a_bad_file_named_in_one_line(tmp_path, capsys):
    run_dir = small_run_dir(tmp_path)
    torch.save(ConvNet(ModelConfig(widths=(8,))).state_dict(), run_dir / "model.pt")
    whole = (run_dir / "model.pt").read_bytes()
    (run_dir / "model.pt").write_bytes(whole[:len(whole) // 2])
    assert main(["evaluate", str(run_dir)]) == ExitCode.BAD_FILE
    assert_one_line_naming(capsys.readouterr().err, run_dir / "model.pt", "truncated")


def test_a_run_recorded_before_the_hidden_layer_still_evaluates(tmp_path, capsys):
    """Runs written before the model had a hidden layer record no "hidden": they are read as hidden=0."""
    run_dir = small_run_dir(tmp_path)
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

"""Checks for batch-dimension: shapes and values for a batch of N and a batch of one, several ranks
(a 0-dim example too), a non-contiguous batch, gradients, predict_one with three kinds of model (and
the caller's model left in its mode),
no per-example loop, and no argument changed in place (every call checks that; a failure names the
function and the argument)."""
import torch
from torch import nn

from torchdojo.grading.expect import (expect, expect_close, expect_gradients, expect_vectorised, observer, randn,
                                      rng, sizes)

# Each function's tensor argument: how a gradient is named.
ARGUMENTS = {"first_example": ("batch",), "add_batch_dim": ("example",), "remove_batch_dim": ("batch",),
             "flatten_features": ("batch",), "predict_one": ("example",)}


def check_first_example(learner):
    """first_example keeps the batch dimension: (N, ...) -> (1, ...), for N > 1, N = 1 and two ranks."""
    n, c, h, w = sizes(1, 4)
    for seed, shape in enumerate([(n, c, h, w), (1, c, h, w), (n, c)]):
        batch = randn(rng(2 + seed), *shape)
        expect_close(learner.first_example(batch), batch[0].unsqueeze(0),
                     what=f"first_example(batch) for a batch of shape {shape}")


def check_add_batch_dim(learner):
    """add_batch_dim puts a size-1 dimension in front and keeps every other one: (...) -> (1, ...),
    for a vector, an image and a single number (0-dim)."""
    c, h, w = sizes(3, 3)
    for seed, shape in enumerate([(c,), (c, h, w), ()]):
        example = randn(rng(4 + seed), *shape)
        expect_close(learner.add_batch_dim(example), example[None],
                     what=f"add_batch_dim(example) for an example of shape {shape}")


def check_remove_batch_dim(learner):
    """remove_batch_dim removes the batch dimension only, even when other dimensions have size 1."""
    h, w, k = sizes(5, 3)
    # one greyscale image (a single channel), one row of logits, one single-output value, one number
    for seed, shape in enumerate([(1, 1, h, w), (1, k), (1, 1), (1,)]):
        batch = randn(rng(6 + seed), *shape)
        expect_close(learner.remove_batch_dim(batch), batch[0],
                     what=f"remove_batch_dim(batch) for a batch of shape {shape}")


def check_flatten_features(learner):
    """flatten_features gives (N, d1*d2*...) for images, sequences and vectors, for N > 1 and N = 1."""
    n, c, h, w = sizes(7, 4)
    for seed, shape in enumerate([(n, c, h, w), (1, c, h, w), (n, h, w), (n, c)]):
        batch = randn(rng(8 + seed), *shape)
        expect_close(learner.flatten_features(batch), nn.Flatten()(batch),
                     what=f"flatten_features(batch) for a batch of shape {shape}")


def check_flatten_non_contiguous(learner):
    """flatten_features works on a non-contiguous batch (channels-last images permuted to (N, C, H, W))."""
    n, c, h, w = sizes(9, 4)
    batch = randn(rng(10), n, h, w, c).permute(0, 3, 1, 2)  # arrives as this (N, C, H, W) view of channels-last memory
    expect_close(learner.flatten_features(batch), nn.Flatten()(batch.contiguous()),
                 what=f"flatten_features(batch) for a permuted (non-contiguous) batch of shape {(n, c, h, w)}")


def check_gradients(learner):
    """Gradients flow back through every function to its input (so each can sit inside a model)."""
    n, c, h = sizes(11, 3)
    calls = [("first_example", (n, c, h), lambda t: t[:1]), ("add_batch_dim", (c, h), lambda t: t[None]),
             ("remove_batch_dim", (1, c, h), lambda t: t[0]), ("flatten_features", (n, c, h), lambda t: t.flatten(1))]
    for seed, (function, shape, reference) in enumerate(calls):
        x = randn(rng(12 + seed), *shape)
        expect_gradients(getattr(learner, function), [x], reference, function, ARGUMENTS[function],
                         upstream=randn(rng(20 + seed), *reference(x).shape))


# --- predict_one: reference models built the same way here and next to the learner's code ---------


def _model(kind: str, seed: int, size: tuple[int, ...]) -> nn.Module:
    """A model written for batches, built under `seed` without touching anyone's RNG state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if kind == "conv":  # (1, C, H, W) -> (1, K)
            c, h, w, k = size
            return nn.Sequential(nn.Conv2d(c, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * h * w, k))
        d, k = size  # an MLP without Flatten: (1, d) -> (1, K); with K = 1 a regression model
        return nn.Sequential(nn.Linear(d, 8), nn.Tanh(), nn.Linear(8, k))


@observer
def _predict_with(learner, kind: str, seed: int, size: tuple[int, ...], example: torch.Tensor):
    """Runs next to the learner's code: build a reference model there and call predict_one with it."""
    output = learner.predict_one(_model(kind, seed, size), example)
    return output.detach() if isinstance(output, torch.Tensor) else f"a {type(output).__name__}"


def _expect_prediction(learner, kind: str, seed: int, size: tuple[int, ...], example: torch.Tensor,
                       what: str) -> None:
    with torch.no_grad():
        expected = _model(kind, seed, size)(example.unsqueeze(0))[0]
    got = _predict_with.labelled(what, learner, kind, seed, tuple(size), example)
    expect(isinstance(got, torch.Tensor), f"{what} returned {got}, not a tensor", f"type:{kind}", kind="type")
    expect_close(got, expected, what)


def check_predict_one_image(learner):
    """predict_one runs a conv net written for (N, C, H, W) batches on one (C, H, W) image and returns its K outputs."""
    c, h, w, k = sizes(30, 4)
    _expect_prediction(learner, "conv", 31, (c, h, w, k), randn(rng(32), c, h, w),
                       what=f"predict_one(conv net, image) for an image of shape {(c, h, w)} and {k} outputs")


def check_predict_one_vector(learner):
    """predict_one works for an MLP on one (d,) vector: K outputs give shape (K,), one output gives (1,)."""
    d, k = sizes(33, 2)
    for seed, outputs in enumerate((k, 1)):
        _expect_prediction(learner, "mlp", 34 + seed, (d, outputs), randn(rng(36 + seed), d),
                           what=f"predict_one(MLP, example) for an example of shape {(d,)} and {outputs} output"
                                f"{'s' if outputs > 1 else ''}")


@observer
def _modes_after_predict(learner, seed: int, size: tuple[int, ...], example: torch.Tensor) -> dict:
    """Runs next to the learner's code: predict_one on a model in training mode and on one in eval mode; the
    training flags of every submodule afterwards, for each."""
    modes = {}
    for mode, training in (("train", True), ("eval", False)):
        model = _model("mlp", seed, size).train(training)
        learner.predict_one(model, example)
        modes[mode] = sorted({bool(module.training) for module in model.modules()})
    return modes


def check_predict_one_keeps_model_mode(learner):
    """predict_one leaves the caller's model in the mode it found it: a model in training mode is still in training
    mode afterwards, one in eval mode still in eval mode."""
    d, k = sizes(38, 2)
    what = f"predict_one(MLP, example) for an example of shape {(d,)}"
    modes = _modes_after_predict.labelled(what, learner, 39, (d, k), randn(rng(40), d))
    expect(modes.get("train") == [True],
           f"{what} leaves a model that was in training mode in eval mode (model.training is False afterwards): it "
           "changes the caller's model for good, so the training that follows runs without dropout and with frozen "
           "BatchNorm statistics; do not call model.eval() inside predict_one, or put the mode back: "
           "was = model.training; model.eval(); ...; model.train(was)", "predict-changes-mode:train")
    expect(modes.get("eval") == [False],
           f"{what} leaves a model that was in eval mode in training mode (model.training is True afterwards): "
           "it changes the caller's model for good; leave the mode as the caller set it", "predict-changes-mode:eval")


def check_flatten_vectorised(learner):
    """flatten_features flattens the whole batch at once: no Python loop over the examples or the features."""
    for dimension, make_args in {"examples": lambda s: (randn(rng(41), s, 3, 4),),
                                 "features": lambda s: (randn(rng(42), 3, s, 4),)}.items():
        expect_vectorised(learner.flatten_features, make_args, what="flatten_features", dimension=dimension)

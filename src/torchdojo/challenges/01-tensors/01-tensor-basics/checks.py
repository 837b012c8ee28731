"""Checks for tensor-basics: each function against a different torch formulation on random shapes
(a batch of one and a single feature too), float32 kept, gradients for every tensor argument, no
Python loops, and no argument changed in place (every call checks that; a failure names the
function and the argument)."""
from typing import Callable

import torch
import torch.nn.functional as F

from torchdojo.grading.expect import (expect, expect_close, expect_grad_close, expect_gradients, expect_vectorised,
                                      grad, randn, rng, sizes)

# Each function's tensor arguments in call order: how a gradient is named.
ARGUMENTS = {"feature_sum": ("x",), "center_columns": ("x",), "matrix_product": ("a", "b"),
             "layer_forward": ("features", "weights", "bias"), "pixels_as_rows": ("image",)}


def check_feature_sum(learner):
    """feature_sum sums each row (one example's features): (N, d) -> (N,), also for N = 1 and d = 1."""
    n, d = sizes(0, 2)
    for seed, shape in enumerate([(n, d), (d, n), (1, d), (n, 1)]):
        x = randn(rng(10 + seed), *shape)
        expect_close(learner.feature_sum(x), torch.einsum("nd->n", x),
                     what=f"feature_sum(x) for x of shape {shape} (one sum per example)")


def check_center_columns(learner):
    """center_columns subtracts each column's own mean, so every column then averages to 0."""
    n, d = sizes(20, 2)
    for seed, shape in enumerate([(n, d), (d, n), (n, 1)]):
        x = randn(rng(30 + seed), *shape) * 2 + 3
        expect_close(learner.center_columns(x), x - x.sum(dim=0) / shape[0],
                     what=f"center_columns(x) for x of shape {shape} (each column minus its own mean)")


def check_matrix_product(learner):
    """matrix_product is the matrix product (rows times columns): square, non-square, a row, a column."""
    n, k, m = sizes(40, 3)
    for seed, (rows, inner, cols) in enumerate([(4, 4, 4), (n, k, m), (1, k, m), (n, k, 1)]):
        a, b = randn(rng(50 + seed), rows, inner), randn(rng(60 + seed), inner, cols)
        expect_close(learner.matrix_product(a, b), torch.einsum("nk,km->nm", a, b),
                     what=f"matrix_product(a, b) for a {(rows, inner)} and b {(inner, cols)}")


def check_matrix_product_batched(learner):
    """matrix_product also multiplies a batch of matrices (B, n, k), or (B1, B2, n, k), by one (k, m)."""
    batch, n, k, m = sizes(70, 4)
    for seed, leading in enumerate([(batch,), (2, batch)]):
        a, b = randn(rng(71 + seed), *leading, n, k), randn(rng(73 + seed), k, m)
        expect_close(learner.matrix_product(a, b), torch.einsum("...nk,km->...nm", a, b),
                     what=f"matrix_product(a, b) for a batch a {(*leading, n, k)} and b {(k, m)}")


def check_layer_forward(learner):
    """layer_forward equals sigmoid(features @ weights + bias) (nn.Linear then a sigmoid), one example
    or many, also where |z| is large and the sigmoid saturates."""
    n, d_in, d_out = sizes(80, 3)
    # (N, d_in, d_out, scale): a batch, the notebook's single example with one output, and inputs
    # so large that |z| passes 88, where exp(z) overflows float32
    cases = [(n, d_in, d_out, 1.0), (1, d_in, 1, 1.0), (n, d_in, d_out, 60.0)]
    for seed, (rows, inputs, outputs, scale) in enumerate(cases):
        features = randn(rng(90 + seed), rows, inputs) * scale
        weights, bias = randn(rng(100 + seed), inputs, outputs), randn(rng(110 + seed), outputs)
        # nn.Linear stores its weight as (d_out, d_in): hence the transpose.
        expect_close(learner.layer_forward(features, weights, bias),
                     torch.sigmoid(F.linear(features, weights.T, bias)),
                     what=f"layer_forward(features {(rows, inputs)}, weights {(inputs, outputs)}, bias "
                          f"{(outputs,)}){' on inputs scaled by 60 (|z| far beyond 88)' if scale > 1 else ''}")


# Pre-activations far beyond float32's exp range (exp overflows past 88.7): with features as one column and
# weights [[1, -1, 0.5]], z holds ±10⁴, ±200, ±100, ±90, ±45 and 0.
SATURATED = (-1e4, -200.0, -90.0, 0.0, 90.0, 200.0, 1e4)


def check_layer_saturates_safely(learner):
    """Where |z| is 200 or 10⁴ (float32, where exp overflows past 88), layer_forward's output and its gradients
    for features, weights and bias are finite and equal torch's (0 where the sigmoid is flat), not NaN."""
    features = torch.tensor(SATURATED).reshape(-1, 1)
    weights, bias = torch.tensor([[1.0, -1.0, 0.5]]), torch.zeros(3)
    what = "layer_forward(features, weights, bias) with z = features @ weights + bias at ±10⁴, ±200, ±100, ±90, ±45, 0"
    inputs = [t.clone().requires_grad_() for t in (features, weights, bias)]
    out = learner.layer_forward(*inputs)
    reference = [t.clone().requires_grad_() for t in (features, weights, bias)]
    expected = torch.sigmoid(reference[0] @ reference[1] + reference[2])
    expect_close(out, expected.detach(), what=what)
    upstream = randn(rng(170), *expected.shape)
    wanted = torch.autograd.grad(expected, reference, upstream)
    got = grad(out, inputs, upstream, what=what)
    for name, got_grad, expected_grad in zip(ARGUMENTS["layer_forward"], got, wanted):
        finite = got_grad is None or bool(torch.isfinite(got_grad).all())
        expect(finite, f"the gradient of `{name}` in {what} holds NaN or inf although the output is finite: "
               "1 / (1 + exp(-z)) overflows to 1 / inf = 0 for z < -88, and backward then multiplies 0 by "
               "exp(-z) = inf, giving NaN (one such unit turns every weight into NaN at the next step); "
               "torch.sigmoid computes the same values and a finite gradient", f"saturated-grad-nan:{name}",
               kind="nonfinite-grad")
        expect_grad_close(got_grad, expected_grad, what=f"`{name}` in {what}")


def check_pixels_as_rows(learner):
    """pixels_as_rows puts pixel (h, w) in row h*W + w, holding that pixel's C channel values."""
    c, h, w = sizes(120, 3)
    for seed, shape in enumerate([(c, h, w), (h, w, c), (1, h, w)]):  # a greyscale image, too
        image = randn(rng(130 + seed), *shape)
        expected = image.flatten(1).T  # (C, H*W) -> (H*W, C): row p holds image[:, p // W, p % W]
        expect_close(learner.pixels_as_rows(image), expected,
                     what=f"pixels_as_rows(image) for an image of shape (C, H, W) = {shape}")


def _expect_gradients(learner, function: str, inputs: list[torch.Tensor], reference: Callable, seed: int) -> None:
    """`function`'s gradients for each of its tensor arguments equal those of torch's `reference`."""
    upstream = randn(rng(seed), *reference(*inputs).shape)
    expect_gradients(getattr(learner, function), inputs, reference, function, ARGUMENTS[function], upstream)


def check_gradients(learner):
    """Gradients reach every tensor argument of every function and equal torch's (the layer's also
    at z = 0 and where the sigmoid flattens out)."""
    n, d, k = sizes(150, 3)
    _expect_gradients(learner, "feature_sum", [randn(rng(151), n, d)], lambda x: x.sum(1), 160)
    _expect_gradients(learner, "center_columns", [randn(rng(152), n, d)], lambda x: x - x.mean(0), 161)
    _expect_gradients(learner, "matrix_product", [randn(rng(153), 2, n, d), randn(rng(154), d, k)],
                      torch.matmul, 162)
    features, weights, bias = randn(rng(155), n, d), randn(rng(156), d, k), randn(rng(157), k)
    features[0], bias[0] = 0.0, 0.0  # z = 0 exactly at (0, 0)
    features[1] *= 10  # |z| in the tens: the sigmoid's slope is tiny there but must not be NaN
    _expect_gradients(learner, "layer_forward", [features, weights, bias],
                      lambda f, w, b: torch.sigmoid(f @ w + b), 163)
    _expect_gradients(learner, "pixels_as_rows", [randn(rng(158), k, n, d)], lambda im: im.flatten(1).T, 164)


def check_vectorised(learner):
    """No function loops in Python: the work stays a few tensor operations as every dimension grows."""
    cases = {
        "feature_sum": {"rows": lambda s: (randn(rng(1), s, 5),), "features": lambda s: (randn(rng(2), 5, s),)},
        "center_columns": {"rows": lambda s: (randn(rng(3), s, 5),), "columns": lambda s: (randn(rng(4), 5, s),)},
        "matrix_product": {"rows of a": lambda s: (randn(rng(5), s, 4), randn(rng(6), 4, 3)),
                           "columns of a": lambda s: (randn(rng(7), 3, s), randn(rng(8), s, 3)),
                           "columns of b": lambda s: (randn(rng(9), 3, 4), randn(rng(10), 4, s)),
                           "batches": lambda s: (randn(rng(11), s, 3, 4), randn(rng(12), 4, 3))},
        "layer_forward": {"examples": lambda s: (randn(rng(13), s, 4), randn(rng(14), 4, 3), randn(rng(15), 3)),
                          "inputs": lambda s: (randn(rng(16), 3, s), randn(rng(17), s, 3), randn(rng(18), 3)),
                          "outputs": lambda s: (randn(rng(19), 3, 4), randn(rng(20), 4, s), randn(rng(21), s))},
        "pixels_as_rows": {"channels": lambda s: (randn(rng(22), s, 3, 4),),
                           "rows of pixels": lambda s: (randn(rng(23), 3, s, 4),),
                           "columns of pixels": lambda s: (randn(rng(24), 3, 4, s),)},
    }
    for function, dimensions in cases.items():
        for dimension, make_args in dimensions.items():
            expect_vectorised(getattr(learner, function), make_args, what=function, dimension=dimension)

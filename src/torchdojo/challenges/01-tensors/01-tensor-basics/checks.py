"""Checks for tensor-basics: each function against a different torch formulation, on random shapes."""
import torch
import torch.nn.functional as F

from torchdojo.grading.expect import expect_close, expect_unchanged, randn, rng


def _sizes(seed: int, count: int) -> list[int]:
    """`count` distinct sizes between 2 and 9, drawn from a private generator (no square surprises)."""
    order = torch.randperm(8, generator=rng(seed))[:count] + 2
    return [int(s) for s in order]


def check_feature_sum(learner):
    """feature_sum sums each row (the features of one example): (N, d) -> (N,)."""
    for seed in range(3):
        n, d = _sizes(seed, 2)
        x = randn(rng(10 + seed), n, d)
        expect_close(learner.feature_sum(x), torch.einsum("nd->n", x),
                     what=f"feature_sum(x) for x of shape {(n, d)} (one sum per example)", atol=1e-5)


def check_center_columns(learner):
    """center_columns subtracts each column's mean, so every column then averages to 0."""
    for seed in range(3):
        n, d = _sizes(20 + seed, 2)
        x = randn(rng(30 + seed), n, d) * 2 + 3
        expected = x - x.sum(dim=0) / n  # computed before the call, in case the call changes x
        expect_close(learner.center_columns(x), expected,
                     what=f"center_columns(x) for x of shape {(n, d)} (each column minus its own mean)",
                     atol=1e-5)


def check_matrix_product(learner):
    """matrix_product is the matrix product (rows times columns), for square and non-square matrices."""
    shapes = [(4, 4, 4)] + [tuple(_sizes(40 + seed, 3)) for seed in range(2)]
    for seed, (n, k, m) in enumerate(shapes):
        a, b = randn(rng(50 + seed), n, k), randn(rng(60 + seed), k, m)
        expect_close(learner.matrix_product(a, b), torch.einsum("nk,km->nm", a, b),
                     what=f"matrix_product(a, b) for a {(n, k)} and b {(k, m)}", atol=1e-5)


def check_matrix_product_batched(learner):
    """matrix_product also multiplies a batch of matrices (B, n, k) by one matrix (k, m)."""
    batch, n, k, m = _sizes(70, 4)
    a, b = randn(rng(71), batch, n, k), randn(rng(72), k, m)
    expect_close(learner.matrix_product(a, b), torch.einsum("bnk,km->bnm", a, b),
                 what=f"matrix_product(a, b) for a batch a {(batch, n, k)} and b {(k, m)}", atol=1e-5)


def check_layer_forward(learner):
    """layer_forward equals sigmoid(features @ weights + bias), as nn.Linear followed by a sigmoid."""
    for seed in range(3):
        n, d_in, d_out = _sizes(80 + seed, 3)
        if seed == 2:
            n = 1  # a single example, as in the Udacity notebook
        features, weights, bias = randn(rng(90 + seed), n, d_in), randn(rng(100 + seed), d_in, d_out), \
            randn(rng(110 + seed), d_out)
        # nn.Linear stores its weight as (d_out, d_in): hence the transpose.
        expected = torch.sigmoid(F.linear(features, weights.T, bias))
        expect_close(learner.layer_forward(features, weights, bias), expected,
                     what=f"layer_forward(features {(n, d_in)}, weights {(d_in, d_out)}, bias {(d_out,)})",
                     atol=1e-5)


def check_pixels_as_rows(learner):
    """pixels_as_rows puts pixel (h, w) in row h*W + w, holding that pixel's C channel values."""
    for seed in range(2):
        c, h, w = _sizes(120 + seed, 3)
        image = randn(rng(130 + seed), c, h, w)
        expected = image.flatten(1).T  # (C, H*W) -> (H*W, C): row p holds image[:, p // W, p % W]
        expect_close(learner.pixels_as_rows(image), expected,
                     what=f"pixels_as_rows(image) for an image of shape (C, H, W) = {(c, h, w)}")


def check_inputs_unchanged(learner):
    """No function modifies its inputs in place."""
    x = randn(rng(140), 5, 3) + 1
    a, b = randn(rng(141), 2, 4, 3), randn(rng(142), 3, 6)
    features, weights, bias = randn(rng(143), 5, 3), randn(rng(144), 3, 2), randn(rng(145), 2)
    image = randn(rng(146), 3, 4, 5)
    calls = [
        ("feature_sum(x)", lambda: learner.feature_sum(x), {"x": x}),
        ("center_columns(x)", lambda: learner.center_columns(x), {"x": x}),
        ("matrix_product(a, b)", lambda: learner.matrix_product(a, b), {"a": a, "b": b}),
        ("layer_forward(features, weights, bias)", lambda: learner.layer_forward(features, weights, bias),
         {"features": features, "weights": weights, "bias": bias}),
        ("pixels_as_rows(image)", lambda: learner.pixels_as_rows(image), {"image": image}),
    ]
    for call, fn, inputs in calls:
        before = {name: t.clone() for name, t in inputs.items()}
        fn()
        for name, t in inputs.items():
            expect_unchanged(before[name], t, what=f"the argument `{name}` of {call}")

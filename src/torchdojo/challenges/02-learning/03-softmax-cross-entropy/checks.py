"""Checks for softmax-cross-entropy: softmax along any dim, one-hot with a given number of classes,
multi-class and binary cross-entropy from logits, each against torch's built-in on several shapes,
with logits of ±1e4 (finite values and gradients), gradients equal to torch's, every reduction, no
delegation to the built-ins, and no Python loop over examples or classes."""
import torch
import torch.nn.functional as F

from torchdojo.grading.expect import (expect_close, expect_finite, expect_gradients, expect_not_delegated,
                                      expect_vectorised, measure, randn, rng, sizes)

HUGE = 1e4  # exp(1e4) is inf in any float type: only a shifted exponent survives it
# Losses near 1e4 carry float32 rounding of about 1e-3 whichever correct order the terms are added in
# (m + log Σ − z_y or (z − m) − log Σ); every wrong answer is off by far more, or not finite.
HUGE_TOLERANCE = dict(rtol=1e-5, atol=1e-2)
# The same rounding in softmax's probabilities: exp(z − (m + log Σ)) is off by up to ~1e-3 of 1 at 1e4 where
# exp(z − m) / Σ is exact; a max not subtracted gives inf or nan, a wrong one probabilities off by far more.
HUGE_PROBABILITY_TOLERANCE = dict(rtol=0.0, atol=5e-3)

BUILT_INS = {
    "softmax": ("softmax", "special_softmax", "log_softmax", "special_log_softmax", "logsumexp",
                "special_logsumexp"),
    "one_hot": ("one_hot",),
    "cross_entropy": ("cross_entropy", "nll_loss", "softmax", "special_softmax", "log_softmax",
                      "special_log_softmax", "logsumexp", "special_logsumexp"),
    "binary_cross_entropy_with_logits": ("binary_cross_entropy", "binary_cross_entropy_with_logits"),
}


def _labels(seed: int, classes: int, *shape: int, high: int | None = None) -> torch.Tensor:
    return torch.randint(0, classes if high is None else high, shape, generator=rng(seed))


def _huge_logits(seed: int, n: int, classes: int) -> torch.Tensor:
    """Logits of size ±1e4 with ties and runs of equal values, as an untrained or saturated model gives."""
    logits = torch.sign(randn(rng(seed), n, classes)) * HUGE
    logits[0] = HUGE  # a row of equal huge logits: softmax is uniform
    logits[1] = -HUGE
    logits[2, 0] = 0.0
    return logits


def check_softmax_matches_builtin(learner):
    """softmax(logits, dim) equals F.softmax on 1-D to 3-D inputs along every dim (negative ones too),
    with dim=-1 by default: each slice along dim is a probability distribution."""
    a, b, c = sizes(0, 3)
    cases = [((7,), None), ((a, b), 1), ((a, b), 0), ((a, b, c), 2), ((a, b, c), 1), ((a, b, c), -3), ((1, c), -1)]
    for seed, (shape, dim) in enumerate(cases):
        logits = randn(rng(10 + seed), *shape) * 3
        got = learner.softmax(logits) if dim is None else learner.softmax(logits, dim=dim)
        expect_close(got, F.softmax(logits, dim=-1 if dim is None else dim),
                     what=f"softmax(logits of shape {shape}{'' if dim is None else f', dim={dim}'})")


def check_softmax_huge_logits(learner):
    """Logits of ±1e4 (and rows of equal huge logits) give the right finite probabilities and finite,
    correct gradients: the largest logit is subtracted before exp."""
    for dim in (1, 0):
        logits = _huge_logits(20 + dim, 6, 5)
        what = f"softmax(logits of ±1e4, dim={dim})"
        got = learner.softmax(logits, dim=dim)
        expect_finite(got, what)
        expect_close(got, F.softmax(logits, dim=dim), what=what, **HUGE_PROBABILITY_TOLERANCE)
        expect_gradients(lambda x, dim=dim: learner.softmax(x, dim=dim), [logits],
                         lambda x, dim=dim: F.softmax(x, dim=dim), what=what, names=["logits"],
                         upstream=randn(rng(30 + dim), 6, 5), **HUGE_PROBABILITY_TOLERANCE)


def check_softmax_gradients(learner):
    """The gradient of softmax(logits, dim) for the logits equals F.softmax's, for a random upstream
    gradient, along the last and a middle dim."""
    a, b, c = sizes(1, 3)
    for seed, (shape, dim) in enumerate([((a, b), -1), ((a, b, c), 1)]):
        logits = randn(rng(40 + seed), *shape) * 2
        expect_gradients(lambda x, dim=dim: learner.softmax(x, dim=dim), [logits],
                         lambda x, dim=dim: F.softmax(x, dim=dim), what=f"softmax(shape {shape}, dim={dim})",
                         names=["logits"], upstream=randn(rng(50 + seed), *shape))


def check_one_hot(learner):
    """one_hot(labels, num_classes) equals F.one_hot (int64, one column per class) for labels of shape
    (N,), (N, M) and (), also when the batch holds none of the last classes."""
    cases = [(_labels(60, 4, 9), 4), (_labels(61, 10, 5, high=3), 10), (_labels(62, 6, 3, 4), 6),
             (torch.tensor(2), 5), (_labels(63, 3, 1), 3)]
    for labels, classes in cases:
        expect_close(learner.one_hot(labels, classes), F.one_hot(labels, classes),
                     what=f"one_hot(labels of shape {tuple(labels.shape)}, num_classes={classes})")


def check_cross_entropy_matches_builtin(learner):
    """cross_entropy(logits, target) equals F.cross_entropy (the mean over examples) for several
    (N, C), including a batch of one and two classes."""
    n, c = sizes(2, 2, low=3, high=12)
    for seed, (batch, classes) in enumerate([(n, c), (1, c), (n, 2), (c, n)]):
        logits, target = randn(rng(70 + seed), batch, classes) * 3, _labels(80 + seed, classes, batch)
        expect_close(learner.cross_entropy(logits, target), F.cross_entropy(logits, target),
                     what=f"cross_entropy(logits of shape ({batch}, {classes}), target)")


def check_reductions(learner):
    """reduction='sum' and reduction='none' behave like the built-ins', for both losses."""
    logits, target = randn(rng(90), 6, 4) * 2, _labels(91, 4, 6)
    z, y = randn(rng(92), 3, 5) * 2, torch.rand(3, 5, generator=rng(93)).round()
    for reduction in ("sum", "none"):
        expect_close(learner.cross_entropy(logits, target, reduction=reduction),
                     F.cross_entropy(logits, target, reduction=reduction),
                     what=f"cross_entropy(..., reduction={reduction!r})")
        expect_close(learner.binary_cross_entropy_with_logits(z, y, reduction=reduction),
                     F.binary_cross_entropy_with_logits(z, y, reduction=reduction),
                     what=f"binary_cross_entropy_with_logits(..., reduction={reduction!r})")


def check_cross_entropy_huge_logits(learner):
    """With logits of ±1e4, cross_entropy's per-example losses (0 or 1e4-sized) and gradients are finite
    and equal F.cross_entropy's: the log-probabilities come from a stable log-softmax, not log(softmax)."""
    logits, target = _huge_logits(100, 8, 5), _labels(101, 5, 8)
    what = "cross_entropy(logits of ±1e4, target, reduction='none')"
    got = learner.cross_entropy(logits, target, reduction="none")
    expect_finite(got, what)
    expect_close(got, F.cross_entropy(logits, target, reduction="none"), what=what, **HUGE_TOLERANCE)
    expect_gradients(lambda x: learner.cross_entropy(x, target), [logits], lambda x: F.cross_entropy(x, target),
                     what="cross_entropy(logits of ±1e4, target)", names=["logits"])


def check_cross_entropy_gradients(learner):
    """The gradient of the mean cross-entropy for the logits equals F.cross_entropy's (softmax − one-hot,
    divided by N), and with reduction='none' for a random upstream gradient."""
    logits, target = randn(rng(110), 7, 4) * 2, _labels(111, 4, 7)
    expect_gradients(lambda x: learner.cross_entropy(x, target), [logits], lambda x: F.cross_entropy(x, target),
                     what="cross_entropy(logits, target)", names=["logits"])
    expect_gradients(lambda x: learner.cross_entropy(x, target, reduction="none"), [logits],
                     lambda x: F.cross_entropy(x, target, reduction="none"),
                     what="cross_entropy(logits, target, reduction='none')", names=["logits"],
                     upstream=randn(rng(112), 7))


def check_binary_cross_entropy_matches_builtin(learner):
    """binary_cross_entropy_with_logits(z, y) equals F.binary_cross_entropy_with_logits, and
    F.binary_cross_entropy(sigmoid(z), y) where that is accurate, on 1-D and 3-D inputs with 0/1 and
    soft targets."""
    a, b = sizes(3, 2)
    for seed, shape in enumerate([(9,), (a, b, 2), (1,)]):
        z = randn(rng(120 + seed), *shape) * 3
        for kind, y in (("0/1", torch.rand(shape, generator=rng(130 + seed)).round()),
                        ("soft", torch.rand(shape, generator=rng(140 + seed)))):
            what = f"binary_cross_entropy_with_logits(logits of shape {shape}, {kind} targets)"
            got = learner.binary_cross_entropy_with_logits(z, y)
            expect_close(got, F.binary_cross_entropy_with_logits(z, y), what=what)
            expect_close(got, F.binary_cross_entropy(torch.sigmoid(z), y), what=what + " vs the log-loss of sigmoid(z)",
                         rtol=1e-4, atol=1e-5)


def check_binary_cross_entropy_huge_logits(learner):
    """With logits of ±1e4, the binary losses (0 or about 1e4) and their gradients are finite and equal
    the built-in's: no sigmoid, no log of a probability, no exp of a positive number."""
    z = torch.tensor([HUGE, -HUGE, HUGE, -HUGE, 30.0, -30.0, 100.0, -100.0])
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.5])
    what = "binary_cross_entropy_with_logits(logits up to ±1e4, reduction='none')"
    got = learner.binary_cross_entropy_with_logits(z, y, reduction="none")
    expect_finite(got, what)
    expect_close(got, F.binary_cross_entropy_with_logits(z, y, reduction="none"), what=what, **HUGE_TOLERANCE)
    expect_gradients(lambda x: learner.binary_cross_entropy_with_logits(x, y), [z],
                     lambda x: F.binary_cross_entropy_with_logits(x, y),
                     what="binary_cross_entropy_with_logits(logits up to ±1e4)", names=["logits"])


def check_binary_cross_entropy_gradients(learner):
    """The gradient of the mean binary cross-entropy for the logits equals the built-in's: (σ(z) − y) / N."""
    z, y = randn(rng(150), 4, 6) * 2, torch.rand(4, 6, generator=rng(151)).round()
    expect_gradients(lambda x: learner.binary_cross_entropy_with_logits(x, y), [z],
                     lambda x: F.binary_cross_entropy_with_logits(x, y),
                     what="binary_cross_entropy_with_logits(logits, target)", names=["logits"])


def check_written_by_hand(learner):
    """Each function is computed from tensor operations, not by calling the built-in it replaces
    (F.softmax, log_softmax, logsumexp, F.one_hot, F.cross_entropy, nll_loss, F.binary_cross_entropy*)."""
    logits, target = randn(rng(160), 5, 4), _labels(161, 4, 5)
    calls = {"softmax": (logits,), "one_hot": (target, 4), "cross_entropy": (logits, target),
             "binary_cross_entropy_with_logits": (logits, torch.rand(5, 4, generator=rng(162)).round())}
    instead = {"softmax": "subtract the max, exponentiate and divide by the sum yourself",
               "one_hot": "compare the labels with torch.arange(num_classes)",
               "cross_entropy": "write the stable log-softmax and pick each target's entry (gather)",
               "binary_cross_entropy_with_logits": "write max(z, 0) − z·y + log(1 + exp(−|z|))"}
    for name, args in calls.items():
        _, seen = measure(getattr(learner, name), *args)
        expect_not_delegated(seen, BUILT_INS[name], f"{name}(...)", instead[name])


def check_vectorised(learner):
    """No Python loop: the same few tensor operations for any number of rows, and one_hot for any
    number of classes."""
    expect_vectorised(learner.softmax, lambda n: (randn(rng(170 + n), n, 5),), what="softmax", dimension="rows")
    expect_vectorised(learner.one_hot, lambda n: (_labels(171 + n, 5, n), 5), what="one_hot", dimension="labels")
    expect_vectorised(learner.one_hot, lambda n: (_labels(172, 3, 6), n), what="one_hot", dimension="classes")
    expect_vectorised(learner.cross_entropy, lambda n: (randn(rng(173 + n), n, 5), _labels(174 + n, 5, n)),
                      what="cross_entropy", dimension="rows")

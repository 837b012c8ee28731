"""Checks for linear-model: registered parameters in nn.Linear's layout (state_dicts load both ways),
a sane initialisation, values against nn.Linear on any leading dimensions and batch sizes, gradients
for the input, weight and bias, a real module, and a forward written by hand without Python loops."""
import torch
from torch import nn

from torchdojo.grading.expect import (CheckFailed, expect, expect_close, expect_grad_close, expect_hooks_fire,
                                      expect_module, expect_not_delegated, expect_sane_init, expect_shape,
                                      expect_state_dict_compatible, expect_vectorised, grad, measure, randn,
                                      requires_grad, rng, seeded)
from torchdojo.grading.remote import LearnerRaised

# Non-square on purpose: with in_features == out_features a missing transpose goes unnoticed.
IN, OUT = 5, 3


def _build(learner, in_features: int, out_features: int, seed: int = 0):
    with seeded(seed):  # the learner's __init__ may draw from the global RNG
        return learner.LinearModel(in_features, out_features)


def _twins(learner, in_features: int, out_features: int, seed: int):
    """An nn.Linear and the learner's model holding the same weight and bias (loaded through
    load_state_dict, as one loads weights trained elsewhere)."""
    with seeded(seed):
        reference = nn.Linear(in_features, out_features)
    model = _build(learner, in_features, out_features, seed + 1)
    name = f"LinearModel({in_features}, {out_features})"
    try:
        model.load_state_dict(reference.state_dict())
    except LearnerRaised as exc:
        raise CheckFailed(f"nn.Linear({in_features}, {out_features})'s weights cannot be loaded into {name} to compare "
                          f"outputs: load_state_dict failed ({str(exc.info.get('message', ''))[:200]}); see the "
                          "state_dict check", f"twins:load:{name}", kind="state") from None
    return reference, model


def check_parameters_registered(learner):
    """weight and bias are nn.Parameters: .parameters() lists both, and both require grad."""
    model = _build(learner, IN, OUT)
    parameters = {name: p for name, p in model.named_parameters()}  # dict(remote) would ask it for .keys
    names = sorted(parameters)
    expect(names == ["bias", "weight"],
           f"LinearModel({IN}, {OUT}).named_parameters() lists {names}, expected ['bias', 'weight']: "
           "a plain tensor attribute is invisible to the optimizer and to state_dict(); wrap it in nn.Parameter",
           f"params:{names}")
    frozen = [name for name in names if not requires_grad(parameters[name])]
    expect(not frozen, f"LinearModel({IN}, {OUT}).{frozen[0] if frozen else ''} has requires_grad=False, so it never "
                       "learns; keep nn.Parameter's default", f"frozen:{frozen}")


def check_state_dict_like_nn_linear(learner):
    """weight is (out_features, in_features) and bias (out_features,), float32, like nn.Linear: an
    nn.Linear's state_dict loads into your model and yours into an nn.Linear (strict)."""
    model = _build(learner, IN, OUT)
    state = model.state_dict()
    why = {"weight": "nn.Linear's layout, one row of weights per output", "bias": "one bias per output"}
    for key, expected in (("weight", (OUT, IN)), ("bias", (OUT,))):
        got = tuple(state[key].shape) if key in state else None
        expect(got is None or got == expected,
               f"LinearModel({IN}, {OUT}).{key} has shape {got}, expected {expected} ({why[key]}), "
               "so that an nn.Linear's state_dict loads into your model", f"shape:{key}:{got}", kind="state")
    expect_state_dict_compatible(model, nn.Linear(IN, OUT), f"LinearModel({IN}, {OUT})")


def check_initialisation(learner):
    """A fresh model holds finite, moderate, random weights (any usual scheme: randn, uniform, Kaiming;
    a zero bias is fine), not uninitialised memory or a constant."""
    for in_features, out_features in ((IN, OUT), (64, 32)):
        expect_sane_init(_build(learner, in_features, out_features, seed=1),
                         _build(learner, in_features, out_features, seed=2),
                         f"LinearModel({in_features}, {out_features})")


def check_output_shape(learner):
    """A batch of shape (N, in_features) gives an output of shape (N, out_features)."""
    model = _build(learner, IN, OUT)
    x = randn(rng(1), 7, IN)
    expect_shape(model(x), (7, OUT), what=f"LinearModel({IN}, {OUT}) on input of shape (7, {IN})")


def check_matches_nn_linear(learner):
    """With nn.Linear's weights loaded, the output equals nn.Linear's on several non-square shapes, each
    model called twice with different batch sizes (nothing is kept from the first call)."""
    for seed, (batches, in_features, out_features) in enumerate([((8, 3), 5, 3), ((4, 9), 2, 6), ((16, 1), 10, 1)]):
        reference, model = _twins(learner, in_features, out_features, seed)
        for call, batch in enumerate(batches):
            x = randn(rng(10 + 2 * seed + call), batch, in_features)
            expect_close(model(x), reference(x), what=f"LinearModel({in_features}, {out_features}) on a ({batch}, "
                         f"{in_features}) batch (call {call + 1}), compared with nn.Linear")


def check_any_leading_dimensions(learner):
    """A single example (in_features,), a batch of one and 3-D/4-D batches (…, in_features) work, like nn.Linear."""
    reference, model = _twins(learner, IN, OUT, seed=3)
    for shape in [(IN,), (1, IN), (2, 4, IN), (3, 1, 2, IN)]:
        x = randn(rng(20 + len(shape)), *shape)
        expect_close(model(x), reference(x), what=f"LinearModel({IN}, {OUT}) on input of shape {shape}")


def check_gradients(learner):
    """Backpropagation gives the input, the weight and the bias the same gradients as nn.Linear."""
    reference, model = _twins(learner, IN, OUT, seed=4)
    x, upstream = randn(rng(30), 6, IN).requires_grad_(), randn(rng(31), 6, OUT)
    expected = torch.autograd.grad((reference(x) * upstream).sum(), [x, reference.weight, reference.bias])
    got = grad(model(x), [x, model.weight, model.bias], upstream, what=f"LinearModel({IN}, {OUT})(x)")
    for name, g, e in zip(("the input x", "LinearModel.weight", "LinearModel.bias"), got, expected):
        expect_grad_close(g, e, what=name)


def check_is_a_module(learner):
    """LinearModel is an nn.Module with its computation in forward (hooks fire)."""
    reference, model = _twins(learner, IN, OUT, seed=5)
    expect_module(model, f"LinearModel({IN}, {OUT})")
    x = randn(rng(40), 4, IN)
    output = expect_hooks_fire(model, x, what=f"LinearModel({IN}, {OUT})")
    expect_close(output, reference(x), what=f"LinearModel({IN}, {OUT}) called with a forward hook")


def check_written_by_hand(learner):
    """forward computes x Wᵀ + b itself, not by calling F.linear (or an nn.Linear inside)."""
    _, seen = measure(_build(learner, IN, OUT), randn(rng(50), 4, IN))
    expect_not_delegated(seen, ("linear",), f"LinearModel({IN}, {OUT}).forward",
                         "write the matrix product and the bias yourself: x @ self.weight.T + self.bias")


def check_vectorised(learner):
    """forward does the same few tensor operations for any batch size, in_features and out_features
    (no Python loop over rows or outputs)."""
    model = _build(learner, IN, OUT)
    expect_vectorised(model, lambda n: (randn(rng(60 + n), n, IN),), what=f"LinearModel({IN}, {OUT})",
                      dimension="rows")
    # The feature sizes belong to the model: expect_vectorised varies an argument, so measure one model per size.
    for dimension in ("in_features", "out_features"):
        _expect_same_work_for_any(learner, dimension)


def _expect_same_work_for_any(learner, dimension: str, sizes: tuple[int, int] = (2, 12)) -> None:
    """Like expect_vectorised, for a size that is a constructor argument rather than an input's."""
    seen = []
    for n in sizes:
        in_features, out_features = (n, OUT) if dimension == "in_features" else (IN, n)
        seen.append(measure(_build(learner, in_features, out_features), randn(rng(70 + n), 3, in_features))[1])
    (small_n, large_n), (small, large) = sizes, seen
    grows = large.torch_calls > small.torch_calls or large.lines > small.lines
    expect(not grows, f"LinearModel makes {small.torch_calls} torch calls and runs {small.lines} lines of your code "
                      f"with {dimension}={small_n}, but {large.torch_calls} calls and {large.lines} lines with "
                      f"{dimension}={large_n}: it loops in Python; one matrix product does every output at once",
           f"loops:LinearModel:{dimension}", kind="loops")

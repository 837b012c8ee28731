"""Checks for linear-model: registered parameters, their layout, values against nn.Linear, gradients."""
import torch
from torch import nn

from torchdojo.grading.expect import expect, expect_close, expect_grad_close, expect_shape, randn, rng, seeded

# Non-square on purpose: with in_features == out_features a missing transpose goes unnoticed.
IN, OUT = 5, 3


def _build(learner, in_features: int, out_features: int, seed: int = 0):
    with seeded(seed):  # the learner's __init__ may draw from the global RNG
        return learner.LinearModel(in_features, out_features)


def _twins(learner, in_features: int, out_features: int, seed: int):
    """An nn.Linear and the learner's model holding the same weight and bias."""
    with seeded(seed):
        reference = nn.Linear(in_features, out_features)
    model = _build(learner, in_features, out_features, seed)
    name = f"LinearModel({in_features}, {out_features})"
    expect_shape(model.weight, (out_features, in_features), what=f"{name}.weight")
    expect_shape(model.bias, (out_features,), what=f"{name}.bias")
    with torch.no_grad():
        model.weight.copy_(reference.weight)
        model.bias.copy_(reference.bias)
    return reference, model


def check_parameters_registered(learner):
    """weight and bias are nn.Parameters: .parameters() and state_dict() list both."""
    model = _build(learner, IN, OUT)
    names = sorted(name for name, _ in model.named_parameters())
    expect(names == ["bias", "weight"],
           f"LinearModel({IN}, {OUT}).named_parameters() lists {names}, expected ['bias', 'weight']: "
           "a plain tensor attribute is invisible to the optimizer and to state_dict(); wrap it in nn.Parameter",
           f"params:{names}")
    keys = sorted(model.state_dict())
    expect(keys == ["bias", "weight"],
           f"LinearModel({IN}, {OUT}).state_dict() has keys {keys}, expected ['bias', 'weight']", f"keys:{keys}")


def check_parameter_shapes(learner):
    """The weight is stored as (out_features, in_features) and the bias as (out_features,), like nn.Linear."""
    model = _build(learner, IN, OUT)
    state = model.state_dict()
    why = {"weight": "nn.Linear's layout, one row of weights per output",
           "bias": "one bias per output"}
    for key, expected in (("weight", (OUT, IN)), ("bias", (OUT,))):
        expect(key in state, f"LinearModel({IN}, {OUT}).state_dict() has no {key!r}", f"missing:{key}")
        got = tuple(state[key].shape)
        expect(got == expected,
               f"LinearModel({IN}, {OUT}).{key} has shape {got}, expected {expected} ({why[key]}), "
               "so that an nn.Linear's state_dict loads into your model", f"{key}:{got}")


def check_output_shape(learner):
    """A batch of shape (N, in_features) gives an output of shape (N, out_features)."""
    model = _build(learner, IN, OUT)
    x = randn(rng(1), 7, IN)
    expect_shape(model(x), (7, OUT), what=f"LinearModel({IN}, {OUT}) on input of shape (7, {IN})")


def check_matches_nn_linear(learner):
    """With nn.Linear's weight and bias copied in, the output equals nn.Linear's (several non-square shapes)."""
    for seed, (batch, in_features, out_features) in enumerate([(8, 5, 3), (4, 2, 6), (16, 10, 1)]):
        reference, model = _twins(learner, in_features, out_features, seed)
        x = randn(rng(10 + seed), batch, in_features)
        expect_close(model(x), reference(x), what=f"LinearModel({in_features}, {out_features}) on a ({batch}, "
                                                   f"{in_features}) batch, compared with nn.Linear", atol=1e-5)


def check_any_leading_dimensions(learner):
    """A single example (in_features,) and a 3-D batch (B, T, in_features) work too, like nn.Linear."""
    reference, model = _twins(learner, IN, OUT, seed=3)
    for shape in [(IN,), (2, 4, IN)]:
        x = randn(rng(20), *shape)
        expect_close(model(x), reference(x), what=f"LinearModel({IN}, {OUT}) on input of shape {shape}", atol=1e-5)


def check_gradients(learner):
    """Backpropagation reaches both weight and bias, with the same gradients as nn.Linear."""
    reference, model = _twins(learner, IN, OUT, seed=4)
    x, upstream = randn(rng(30), 6, IN), randn(rng(31), 6, OUT)
    (reference(x) * upstream).sum().backward()
    (model(x) * upstream).sum().backward()
    expect_grad_close(model.weight, reference.weight.grad, what="LinearModel.weight", atol=1e-5)
    expect_grad_close(model.bias, reference.bias.grad, what="LinearModel.bias", atol=1e-5)

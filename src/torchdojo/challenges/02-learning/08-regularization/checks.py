"""Checks for regularization: the L1 and L2 penalties of a model built next to the learner's code
(Linear, LayerNorm, Tanh, Linear: the LayerNorm's weight is 1-D) from the grader's weights (some
exactly 0), their values and gradients against the grader's own, an SGD step on loss + L2 penalty
equal to torch.optim.SGD's weight_decay on the weights (biases left alone), and inverted dropout:
identity in eval, zeros at rate p and survivors scaled by 1/(1 − p) (counted here, with binomial
tolerances), the mean preserved, p = 0 and p = 1, the gradient only through the kept units, fresh
independent masks, the input untouched, and not F.dropout."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import (expect, expect_close, expect_dtype, expect_finite, expect_grad_close, expect_not_delegated,
                                      expect_shape, expect_tensor, grad, measure, observer, randn, rng, seeded)

LAM = 0.1
N_SIDE = (200, 500)  # 100 000 elements: a binomial rate is known to ±0.0015 (one standard deviation)


def _model() -> nn.Module:
    """A LayerNorm between the layers: its `1.weight` is a weight with one dimension, so selecting the weights
    by name (not ending in "bias") and by shape (2-D or more) give different penalties."""
    return nn.Sequential(nn.Linear(4, 5), nn.LayerNorm(5), nn.Tanh(), nn.Linear(5, 3))


def _state() -> dict[str, torch.Tensor]:
    """Random weights with a few exactly 0 (where |w| has a kink) and biases far from 0 (so a penalty on them
    shows)."""
    generator = rng(1)
    state = {name: torch.randn(value.shape, generator=generator) for name, value in _model().state_dict().items()}
    state["0.weight"][0, :3] = 0.0
    state["3.weight"][1, 2] = 0.0
    state["1.weight"][3] = 0.0
    state["0.bias"] += 2.0
    state["1.bias"] += 1.5
    state["3.bias"] -= 2.0
    return state


@observer
def _penalty(fn, state: dict, lam: float) -> dict:
    """Next to the learner's code: their penalty of a model holding `state`, and its gradients."""
    model = _model()
    model.load_state_dict(state)
    value = fn(model, lam)
    if not isinstance(value, torch.Tensor):
        return {"value": value, "grads": None}
    grads = None
    if value.requires_grad and value.numel() == 1:
        found = torch.autograd.grad(value.reshape(()), list(model.parameters()), allow_unused=True)
        grads = {name: (g if g is not None else torch.zeros_like(p))
                 for (name, p), g in zip(model.named_parameters(), found)}
    return {"value": value.detach(), "grads": grads}


def _sum(kind: str, lam: float, tensors) -> torch.Tensor:
    if kind == "l1":
        return lam * sum(w.abs().sum() for w in tensors)
    return lam / 2 * sum((w * w).sum() for w in tensors)


# Wrong choices of the parameters to penalise, and what to say when a penalty equals the sum over one of them
WRONG_SELECTIONS = [
    ("by-dimension", lambda name, value: value.dim() > 1,
     "the sum over the parameters with 2 or more dimensions only: the LayerNorm's '1.weight' is 1-D, but its name "
     "does not end in 'bias', so it is a weight too; select the weights by name, not by shape"),
    ("biases-included", lambda name, value: True,
     "the sum over every parameter, biases included: penalise the weights only (parameters whose name does not "
     "end in 'bias')"),
]


def _expected(kind: str, lam: float) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    state = _state()
    weights = {k: v for k, v in state.items() if not k.endswith("bias")}
    if kind == "l1":
        grads = {k: (lam * torch.sign(v) if k in weights else torch.zeros_like(v)) for k, v in state.items()}
    else:
        grads = {k: (lam * v if k in weights else torch.zeros_like(v)) for k, v in state.items()}
    return _sum(kind, lam, weights.values()), grads


def _judge_value(learner, kind: str) -> None:
    for lam in (LAM, 0.03):
        seen = _penalty.labelled(f"{kind}_penalty(model, lam={lam})", getattr(learner, f"{kind}_penalty"), _state(),
                                 lam)
        value = seen["value"]
        what = f"{kind}_penalty(model, lam={lam})"
        expect_tensor(value, what)
        expected, _ = _expected(kind, lam)
        expect(value.numel() == 1, f"{what} has shape {tuple(value.shape)}: the penalty is one number, a sum over "
               "every weight", f"penalty-shape:{kind}", kind="shape")
        got = value.reshape(()).float()
        if not torch.allclose(got, expected, rtol=1e-5, atol=1e-6):
            for label, chosen, explanation in WRONG_SELECTIONS:
                wrong = _sum(kind, lam, [v for k, v in _state().items() if chosen(k, v)])
                expect(not torch.allclose(got, wrong, rtol=1e-5, atol=1e-6),
                       f"{what} is {float(got):.6g}, expected {float(expected):.6g}: it is {explanation}",
                       f"penalty-selection:{kind}:{label}", kind="value")
        expect_close(got, expected, what=what, rtol=1e-5, atol=1e-6)


def _judge_grads(learner, kind: str) -> None:
    seen = _penalty.labelled(f"{kind}_penalty(model, lam={LAM})", getattr(learner, f"{kind}_penalty"), _state(), LAM)
    what = f"{kind}_penalty(model, lam={LAM})"
    expect(seen["grads"] is not None, f"{what} is not part of an autograd graph (a Python float, .item(), "
           "torch.tensor(...) or .detach() cut it): added to a loss, it would not change any weight",
           f"penalty-detached:{kind}", kind="detached")
    _, expected = _expected(kind, LAM)
    for name, g in expected.items():
        expect_grad_close(seen["grads"][name], g, what=f"parameter {name!r} in {what}", rtol=1e-5, atol=1e-6)


def check_l1_value(learner):
    """l1_penalty(model, λ) equals λ·Σ|w| over the weights (not the biases), for two values of λ."""
    _judge_value(learner, "l1")


def check_l1_gradient(learner):
    """The gradient of l1_penalty is λ·sign(w) for every weight, 0 where w is exactly 0 (finite, like torch's
    |w|), and 0 for the biases."""
    _judge_grads(learner, "l1")


def check_l2_value(learner):
    """l2_penalty(model, λ) equals (λ/2)·Σw² over the weights (not the biases), for two values of λ."""
    _judge_value(learner, "l2")


def check_l2_gradient(learner):
    """The gradient of l2_penalty is λ·w for every weight and 0 for the biases."""
    _judge_grads(learner, "l2")


@observer
def _sgd_step_with_penalty(penalty, state: dict, x: torch.Tensor, y: torch.Tensor, lam: float, lr: float) -> dict:
    """Next to the learner's code: one plain SGD step (no weight_decay) on MSE + their L2 penalty."""
    model = _model()
    model.load_state_dict(state)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer.zero_grad()
    (F.mse_loss(model(x), y) + penalty(model, lam)).backward()
    optimizer.step()
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def check_l2_step_is_weight_decay(learner):
    """One SGD step on MSE + l2_penalty(model, λ) gives the same weights as torch.optim.SGD with
    weight_decay=λ on the weights and 0 on the biases, stepping on the MSE alone."""
    x, y, lam, lr = randn(rng(5), 8, 4), randn(rng(6), 8, 3), 0.2, 0.5
    got = _sgd_step_with_penalty.labelled(f"an SGD step on mse + l2_penalty(model, lam={lam})", learner.l2_penalty,
                                          _state(), x, y, lam, lr)
    model = _model()
    model.load_state_dict(_state())
    named = dict(model.named_parameters())
    optimizer = torch.optim.SGD([
        {"params": [p for n, p in named.items() if not n.endswith("bias")], "weight_decay": lam},
        {"params": [p for n, p in named.items() if n.endswith("bias")], "weight_decay": 0.0}], lr=lr)
    F.mse_loss(model(x), y).backward()
    optimizer.step()
    for name, p in named.items():
        expect_close(got[name], p.detach(), what=f"parameter {name!r} after one SGD step (lr={lr}) on mse + "
                     f"l2_penalty(model, lam={lam}), compared with SGD(weight_decay={lam}) on the weights",
                     rtol=1e-5, atol=1e-6)


def _positive(seed: int, *shape: int) -> torch.Tensor:
    """Values in [0.5, 1.5): no zeros of their own, so every 0 in the output is a dropped unit."""
    return torch.rand(shape, generator=rng(seed)) + 0.5


def _dropped(learner, x: torch.Tensor, p: float, seed: int) -> torch.Tensor:
    with seeded(seed):
        out = learner.dropout(x, p, True)
    what = f"dropout(x of shape {tuple(x.shape)}, p={p}, training=True)"
    expect_shape(out, x.shape, what)
    expect_dtype(out, x.dtype, what)
    return out


def check_dropout_identity_in_eval(learner):
    """dropout(x, p, training=False) returns x unchanged: no mask and no rescaling at evaluation."""
    for p in (0.3, 0.8):
        x = randn(rng(10), 6, 7)
        with seeded(11):
            expect_close(learner.dropout(x, p, False), x, what=f"dropout(x, p={p}, training=False)", rtol=0, atol=0)


def check_dropout_rate(learner):
    """In training, the share of zeros is p (within 5 standard deviations of a binomial rate over 100 000
    elements), for p = 0.3 and 0.7."""
    for seed, p in enumerate((0.3, 0.7)):
        out = _dropped(learner, _positive(20 + seed, *N_SIDE), p, 30 + seed)
        n = out.numel()
        rate = float((out == 0).float().mean())
        tolerance = 5 * (p * (1 - p) / n) ** 0.5
        expect(abs(rate - p) <= tolerance, f"dropout(x, p={p}, training=True) zeroed {rate:.4f} of {n} elements, "
               f"expected {p} ± {tolerance:.4f}: each element must be dropped with probability p",
               f"dropout-rate:{p}:{'high' if rate > p else 'low'}")


def check_dropout_scales_survivors(learner):
    """In training, every element that is not dropped equals x / (1 − p) (inverted dropout)."""
    for seed, p in enumerate((0.25, 0.6)):
        x = _positive(40 + seed, 50, 40)
        out = _dropped(learner, x, p, 50 + seed)
        kept = out != 0
        expect(bool(kept.any()), f"dropout(x, p={p}, training=True) dropped every element", f"dropout-all:{p}")
        expect_close(out[kept], x[kept] / (1 - p), what=f"the elements kept by dropout(x, p={p}, training=True), "
                     "compared with x / (1 − p)", rtol=1e-5, atol=1e-6)


def check_dropout_preserves_the_mean(learner):
    """In training, the mean of the output equals the mean of x (within 2% over 100 000 elements), for
    p = 0.2 and 0.5: the expected value of every unit is unchanged."""
    for seed, p in enumerate((0.2, 0.5)):
        x = _positive(60 + seed, *N_SIDE)
        out = _dropped(learner, x, p, 70 + seed)
        ratio = float(out.double().mean() / x.double().mean())
        expect(abs(ratio - 1) <= 0.02, f"dropout(x, p={p}, training=True) has mean {ratio:.3f}× the mean of x, "
               "expected 1 (± 0.02): inverted dropout scales the kept units by 1/(1 − p) so that the expected "
               "output is x", f"dropout-mean:{p}:{'high' if ratio > 1 else 'low'}")


def check_dropout_edge_cases(learner):
    """p = 0 in training returns x (nothing dropped, scale 1); p = 1 returns all zeros, with no NaN or inf."""
    x = randn(rng(80), 5, 6)
    expect_close(_dropped(learner, x, 0.0, 81), x, what="dropout(x, p=0, training=True)", rtol=0, atol=0)
    out = _dropped(learner, x, 1.0, 82)
    expect_finite(out, "dropout(x, p=1, training=True)")
    expect_close(out, torch.zeros_like(x), what="dropout(x, p=1, training=True)", rtol=0, atol=0)


def check_dropout_gradient(learner):
    """The gradient flows only through the kept units, scaled by 1/(1 − p): the same mask as the output's."""
    p = 0.4
    x = _positive(90, 30, 20).requires_grad_()
    upstream = randn(rng(91), 30, 20)
    with seeded(92):
        out = learner.dropout(x, p, True)
    (g,) = grad(out, [x], upstream, what=f"dropout(x, p={p}, training=True)")
    expected = upstream * (out.detach() != 0) / (1 - p)
    expect_grad_close(g, expected, what=f"x in dropout(x, p={p}, training=True) (through the kept units only)",
                      rtol=1e-5, atol=1e-6)


def check_dropout_fresh_independent_masks(learner):
    """Two calls in a row drop different units, and the rows of one call do not share a single mask: each
    element is dropped independently, anew at every call."""
    x = _positive(100, 64, 50)
    with seeded(101):
        first, second = learner.dropout(x, 0.5, True), learner.dropout(x, 0.5, True)
    expect_tensor(first, "dropout(x, p=0.5, training=True)")
    expect(not torch.equal(first == 0, second == 0), "two calls of dropout(x, p=0.5, training=True) in a row drop "
           "exactly the same units: the mask must be drawn anew at every call (is the generator reseeded inside?)",
           "dropout-same-mask")
    rows = (first == 0)
    expect(not bool((rows == rows[0]).all()), "every row of dropout(x of shape (64, 50), p=0.5, training=True) drops "
           "the same columns: draw one random number per element (torch.rand_like(x)), not one per feature",
           "dropout-shared-mask")


def check_dropout_not_delegated(learner):
    """dropout builds its own mask: it does not call F.dropout (or nn.Dropout, torch.dropout)."""
    with seeded(110):
        _, seen = measure(learner.dropout, _positive(111, 8, 8), 0.5, True)
    expect_not_delegated(seen, ("dropout", "dropout_", "native_dropout", "feature_dropout", "alpha_dropout"),
                         "dropout(x, p=0.5, training=True)", "draw a keep-mask with torch.rand_like(x) >= p and scale "
                         "by 1/(1 − p)")

"""Checks for reshape-layer: a real module without state, one and several target dims, batch of one,
-1, non-contiguous input, one layer reused across batch sizes (and a -1 layer across sizes per example),
gradients, and inside nn.Sequential."""
import torch
from torch import nn

from torchdojo.grading.expect import (CheckFailed, expect, expect_close, expect_grad_close, expect_hooks_fire,
                                      expect_module, expect_state_dict_compatible, grad, observer, randn, rng, sizes)
from torchdojo.grading.remote import LearnerRaised


def _call(shape: tuple[int, ...]) -> str:
    return f"Reshape({', '.join(str(s) for s in shape)})"


def _expect_reshaped(layer, shape: tuple[int, ...], x: torch.Tensor, what: str = "") -> None:
    """layer(x) equals x with every example reshaped to `shape`."""
    expect_close(layer(x), x.reshape(len(x), *shape),
                 what=f"{_call(shape)} on {what or 'an input'} of shape {tuple(x.shape)}")


def check_is_module(learner):
    """Reshape(2, 3) is an nn.Module whose work happens in forward (a forward hook fires)."""
    layer = learner.Reshape(2, 3)
    expect_module(layer, "Reshape(2, 3)")
    x = randn(rng(0), 4, 6)
    output = expect_hooks_fire(layer, x, what="Reshape(2, 3)")
    expect_close(output, x.reshape(4, 2, 3), what="Reshape(2, 3) called with a forward hook on shape (4, 6)")


def check_no_state(learner):
    """Reshape has nothing to learn or store: no parameters, no buffers, an empty state_dict."""
    layer = learner.Reshape(2, 3)
    # nn.Flatten is the reference: a parameter-free layer, so its state_dict is empty.
    expect_state_dict_compatible(layer, nn.Flatten(), "Reshape(2, 3)")
    for kind, named in (("parameters", layer.named_parameters()), ("buffers", layer.named_buffers())):
        names = [name for name, _ in named]
        expect(not names, f"Reshape(2, 3) has {kind} {names}: a reshape has nothing to learn or keep; store the "
                          "target shape as a plain tuple attribute", f"state:Reshape:{kind}:{names}", kind="state")


def check_one_target_dim(learner):
    """Reshape(2) turns (N, 1, 2) into (N, 2); Reshape(k) turns (N, a, b) into (N, k) with k = a*b."""
    n, a, b = sizes(1, 3)
    _expect_reshaped(learner.Reshape(2), (2,), randn(rng(2), n, 1, 2))
    _expect_reshaped(learner.Reshape(a * b), (a * b,), randn(rng(3), n, a, b))


def check_two_target_dims(learner):
    """Reshape(2, 3) turns (N, 6) into (N, 2, 3); Reshape(a, b) turns (N, a*b) into (N, a, b)."""
    n, a, b = sizes(4, 3)
    for seed, shape in enumerate([(2, 3), (a, b)]):
        _expect_reshaped(learner.Reshape(*shape), shape, randn(rng(5 + seed), n, shape[0] * shape[1]))


def check_batch_of_one(learner):
    """A batch of one keeps its batch dimension: Reshape(2, 3) turns (1, 6) into (1, 2, 3)."""
    for seed, (shape, in_shape) in enumerate([((2, 3), (1, 6)), ((6,), (1, 2, 3))]):
        _expect_reshaped(learner.Reshape(*shape), shape, randn(rng(7 + seed), *in_shape), "a batch of one")


def check_inferred_dim(learner):
    """A -1 in the shape is inferred per example: Reshape(-1) equals nn.Flatten, Reshape(c, -1) nn.Unflatten."""
    n, c, h, w = sizes(9, 4)
    x = randn(rng(10), n, c, h, w)
    expect_close(learner.Reshape(-1)(x), nn.Flatten()(x), what=f"Reshape(-1) on an input of shape {(n, c, h, w)}")
    flat = x.reshape(n, -1)
    expect_close(learner.Reshape(c, -1)(flat), nn.Unflatten(1, (c, h * w))(flat),
                 what=f"Reshape({c}, -1) on an input of shape {tuple(flat.shape)}")


@observer
def _reshape_transposed(learner, x: torch.Tensor, size: int) -> tuple[torch.Tensor, bool]:
    """In the learner's process (tensors cross the boundary contiguous, so the transpose must happen
    here): Reshape(size) applied to x.transpose(1, 2); the output, and whether the input really was
    non-contiguous."""
    transposed = x.transpose(1, 2)
    return learner.Reshape(size)(transposed), transposed.is_contiguous()


def check_non_contiguous(learner):
    """A non-contiguous input (a transposed tensor) is reshaped like a contiguous one."""
    n, a, b = sizes(11, 3)
    x = randn(rng(12), n, b, a)
    got, contiguous = _reshape_transposed(learner, x, a * b)
    expect(contiguous is False, "x.transpose(1, 2) was contiguous in your process, so this check could not test "
                                "a non-contiguous input (is torch patched?)", "noncontiguous:untested")
    expect_close(got, x.transpose(1, 2).reshape(n, a * b),
                 what=f"Reshape({a * b}) on a transposed (non-contiguous) input of shape {(n, a, b)}")


def check_reused_across_batches(learner):
    """One Reshape(a, b) layer, called again and again, follows each call's batch size and input shape."""
    n1, n2, a, b = sizes(13, 4)
    layer = learner.Reshape(a, b)
    inputs = [randn(rng(14), n1, a * b), randn(rng(15), n2, b, a), randn(rng(16), 1, a * b), randn(rng(17), n1, a * b)]
    for call, x in enumerate(inputs, start=1):
        _expect_reshaped(layer, (a, b), x, f"call {call} of the same layer, an input")


def check_inferred_dim_reused(learner):
    """One Reshape(-1) layer and one Reshape(2, -1) layer, each called on inputs of different sizes per example,
    infer the -1 anew from every call's input (the first call's answer is not kept)."""
    n, a, b, c = sizes(26, 4)
    for seed, shape, per_example in ((27, (-1,), ((a, b), (c,), (2, c, b))), (28, (2, -1), ((2 * a,), (b, 2, c), (2,)))):
        layer = learner.Reshape(*shape)
        for call, rest in enumerate(per_example, start=1):
            x = randn(rng(seed + 10 * call), n, *rest)
            what = f"call {call} of the same {_call(shape)} layer, on an input of shape {tuple(x.shape)}"
            try:
                got = layer(x)
            except LearnerRaised as exc:
                raise CheckFailed(f"{what} raised {exc.info.get('type', 'an error')}: "
                                  f"{str(exc.info.get('message', ''))[:200]}; the earlier calls had "
                                  f"{[(n, *r) for r in per_example[:call - 1]]}. The -1 must be inferred again from "
                                  "each input: does forward write the size it inferred back into the stored shape?",
                                  f"inferred-kept:{_call(shape)}:{call}") from None
            expect_close(got, x.reshape(n, *shape), what=what)


def check_gradients(learner):
    """The gradient flows back through Reshape unchanged: it is the upstream gradient in the input's shape."""
    n, c, h, w = sizes(18, 4)
    for shape, x in (((c, h * w), randn(rng(19), n, c, h, w)), ((-1,), randn(rng(20), n, c * h, w))):
        x = x.requires_grad_()
        out = learner.Reshape(*shape)(x)
        upstream = randn(rng(21), *x.reshape(n, *shape).shape)
        (got,) = grad(out, [x], upstream, what=f"{_call(shape)}(x) for x of shape {tuple(x.shape)}")
        expect_grad_close(got, upstream.reshape(x.shape), what=f"x through {_call(shape)}")


@observer
def _decoder_outputs(learner, seed: int, x: torch.Tensor, upstream: torch.Tensor, c: int, h: int, w: int):
    """In the learner's process: Linear -> Reshape(c, h, w) -> Conv2d under `seed`; the output and the
    gradients of the input and of the Linear weight."""
    with torch.random.fork_rng(devices=[]):  # the learner's own RNG is left as it was
        torch.manual_seed(seed)
        linear, conv = nn.Linear(x.shape[1], c * h * w), nn.Conv2d(c, 2, kernel_size=3, padding=1)
    model = nn.Sequential(linear, learner.Reshape(c, h, w), conv)
    x = x.detach().requires_grad_()
    out = model(x)
    # allow_unused: a Reshape that cuts the graph leaves x and the weight without a gradient (None)
    grad_x, grad_weight = torch.autograd.grad((out * upstream).sum(), (x, linear.weight), allow_unused=True)
    return out.detach(), grad_x, grad_weight


def check_in_sequential(learner):
    """Inside nn.Sequential, Linear -> Reshape(C, H, W) -> Conv2d gives the same output and gradients."""
    n, c, h, w = sizes(22, 4)
    x, upstream = randn(rng(23), n, 5), randn(rng(24), n, 2, h, w)
    got, got_grad_x, got_grad_weight = _decoder_outputs(learner, 25, x, upstream, c, h, w)
    # The same reference layers, built here under the same seed; only the reshape is written by hand.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(25)
        linear, conv = nn.Linear(5, c * h * w), nn.Conv2d(c, 2, kernel_size=3, padding=1)
    x = x.requires_grad_()
    expected = conv(linear(x).reshape(n, c, h, w))
    expected_grad_x, expected_grad_weight = torch.autograd.grad((expected * upstream).sum(), (x, linear.weight))
    model = f"nn.Sequential(Linear(5, {c * h * w}), Reshape({c}, {h}, {w}), Conv2d({c}, 2, 3))"
    expect_close(got, expected.detach(), what=f"{model} on a batch of {n}")
    expect_grad_close(got_grad_x, expected_grad_x, what=f"the input of {model}")
    expect_grad_close(got_grad_weight, expected_grad_weight, what=f"the Linear weight in {model}")

"""Checks for backprop-by-hand: the forward pass, then every gradient of the hand-written backward
(the input, both weights, both biases) against autograd's computed here, for a random upstream
gradient on several shapes and a batch of one; a backward that leaves its cache alone; no autograd in
the learner's code; no loop over the examples."""
import torch

from torchdojo.grading.expect import (expect, expect_close, expect_vectorised, measure, observer, randn, rng,
                                      sizes)

AUTOGRAD = ("backward", "grad", "requires_grad_")
NAMES = ("dx", "dW1", "db1", "dW2", "db2")


def _net(seed: int, n: int, d: int, hidden: int, out: int) -> list[torch.Tensor]:
    """x, W1, b1, W2, b2 for a batch of n examples."""
    return [randn(rng(seed), n, d), randn(rng(seed + 1), hidden, d) * 0.7, randn(rng(seed + 2), hidden) * 0.5,
            randn(rng(seed + 3), out, hidden) * 0.7, randn(rng(seed + 4), out) * 0.5]


def _reference(x, W1, b1, W2, b2) -> torch.Tensor:
    return torch.sigmoid(x @ W1.T + b1) @ W2.T + b2


def _shapes(seed: int) -> list[tuple[int, int, int, int]]:
    """(N, D, H, O), all different (a transposed gradient cannot hide), and a batch of one."""
    n, d, hidden, out = sizes(seed, 4)
    return [(n, d, hidden, out), (d + 3, out, n, hidden)]


def _forward(learner, args: list[torch.Tensor], what: str):
    result = learner.forward(*args)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"{what} should return the pair (y, cache), got {type(result).__name__}", "forward-returns", kind="type")
    return result


def _backward(learner, upstream: torch.Tensor, cache, what: str) -> list:
    got = learner.backward(upstream, cache)
    expect(isinstance(got, (tuple, list)) and len(got) == 5,
           f"{what} should return the five gradients (dx, dW1, db1, dW2, db2), got {type(got).__name__}"
           f"{f' of length {len(got)}' if isinstance(got, (tuple, list)) else ''}", "backward-returns", kind="type")
    return list(got)


def _expect_gradients(learner, shape: tuple[int, int, int, int], seed: int, which: tuple[str, ...]) -> None:
    """backward's gradients named in `which` equal autograd's for a random upstream gradient."""
    args = _net(seed, *shape)
    leaves = [t.clone().requires_grad_() for t in args]
    upstream = randn(rng(seed + 9), shape[0], shape[3])
    expected = torch.autograd.grad((_reference(*leaves) * upstream).sum(), leaves)
    n, d, hidden, out = shape
    where = f"N={n}, D={d}, H={hidden}, O={out}"
    _, cache = _forward(learner, args, f"forward(...) with {where}")
    got = _backward(learner, upstream, cache, f"backward(grad_y, cache) with {where}")
    for name, g, e in zip(NAMES, got, expected):
        if name in which:
            expect_close(g, e, what=f"{name} from backward(grad_y, cache) ({where})", kind="grad")


def check_forward(learner):
    """forward(x, W1, b1, W2, b2) returns (y, cache) with y = σ(x W1ᵀ + b1) W2ᵀ + b2, on several shapes and
    a batch of one."""
    for seed, shape in enumerate(_shapes(0) + [(1, 3, 5, 2)]):
        args = _net(10 * seed, *shape)
        y, _ = _forward(learner, args, "forward(x, W1, b1, W2, b2)")
        expect_close(y, _reference(*args), what=f"y from forward(...) with N={shape[0]}, D={shape[1]}, "
                     f"H={shape[2]}, O={shape[3]}")


def check_output_layer_gradients(learner):
    """dW2 (shape (O, H)) and db2 (shape (O,)) equal autograd's: sums over the batch of the upstream
    gradient times h, and of the upstream gradient."""
    for seed, shape in enumerate(_shapes(1)):
        _expect_gradients(learner, shape, 100 + 10 * seed, ("dW2", "db2"))


def check_hidden_layer_gradients(learner):
    """dW1 (shape (H, D)) and db1 (shape (H,)) equal autograd's: the gradient reaching h, through the
    sigmoid's derivative h(1 − h), then summed over the batch."""
    for seed, shape in enumerate(_shapes(2)):
        _expect_gradients(learner, shape, 200 + 10 * seed, ("dW1", "db1"))


def check_input_gradient(learner):
    """dx (shape (N, D)) equals autograd's: what flows on to whatever produced x."""
    for seed, shape in enumerate(_shapes(3)):
        _expect_gradients(learner, shape, 300 + 10 * seed, ("dx",))


def check_batch_of_one(learner):
    """With a single example (N = 1), all five gradients equal autograd's and keep their shapes."""
    _expect_gradients(learner, (1, 4, 6, 3), 400, NAMES)


def check_backward_leaves_cache_alone(learner):
    """backward can run twice on the same cache with the same result: it does not change the cached
    tensors in place."""
    args, upstream = _net(500, 5, 4, 6, 3), randn(rng(509), 5, 3)
    _, cache = _forward(learner, args, "forward(x, W1, b1, W2, b2)")
    first = _backward(learner, upstream, cache, "backward(grad_y, cache)")
    second = _backward(learner, upstream, cache, "backward(grad_y, cache), called again on the same cache")
    for name, a, b in zip(NAMES, first, second):
        expect_close(b, a, what=f"{name} from a second backward(grad_y, cache) on the same cache (compared with "
                     "the first): the first call changed the cache in place", kind="inplace")


@observer
def _autograd_at_work(fn, *args) -> int:
    """Next to the learner's code: call fn(*args) and count the tensors autograd saves for a backward
    pass; 0 when no autograd graph is built."""
    saved = [0]

    def pack(tensor):
        saved[0] += 1
        return tensor
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        fn(*args)
    return saved[0]


def check_no_autograd(learner):
    """forward and backward compute everything themselves: no .backward(), torch.autograd.grad or
    requires_grad, and no autograd graph is built."""
    args, upstream = _net(600, 5, 4, 6, 3), randn(rng(609), 5, 3)
    (_, cache), seen_forward = measure(learner.forward, *args)
    _, seen_backward = measure(learner.backward, upstream, cache)
    for what, seen in (("forward(...)", seen_forward), ("backward(grad_y, cache)", seen_backward)):
        used = sorted(set(AUTOGRAD) & set(seen.functions))
        expect(not used, f"{what} calls {', '.join(used)}: that is autograd doing the backward pass for you; this "
                         "challenge is to apply the chain rule yourself, layer by layer",
               f"autograd:{what}:{used}", kind="delegated")
    for what, fn, call_args in (("forward(...)", learner.forward, args),
                                ("backward(grad_y, cache)", learner.backward, (upstream, cache))):
        saved = _autograd_at_work.labelled(what, fn, *call_args)
        expect(saved == 0, f"{what} builds an autograd graph (autograd saved {saved} tensors for a backward pass): "
                           "some tensor requires grad; with the backward pass written by hand nothing needs to",
               f"autograd-graph:{what}", kind="delegated")


def check_vectorised(learner):
    """backward does the same few matrix operations for any batch size (no Python loop over the examples)."""
    def make_args(n: int) -> tuple:
        args = _net(700 + n, n, 4, 6, 3)
        _, cache = learner.forward(*args)
        return randn(rng(709 + n), n, 3), cache
    expect_vectorised(learner.backward, make_args, what="backward(grad_y, cache)", dimension="examples")

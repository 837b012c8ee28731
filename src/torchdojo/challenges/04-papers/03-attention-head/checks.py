"""Checks for attention-head: projections in a stated layout (state_dicts load both ways), values
against F.scaled_dot_product_attention with the same projections (self- and cross-attention,
boolean, additive and causal masks), fully masked rows, gradients for the inputs and every
projection, causality, permutation equivariance and batch independence as properties, a real module,
everything made on the input's device (judged on meta tensors), no delegation to the built-in and no
Python loop over any dimension."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import (CheckFailed, expect, expect_close, expect_finite, expect_grad_close,
                                      expect_hooks_fire, expect_module, expect_not_delegated, expect_on_input_device,
                                      expect_sane_init, expect_state_dict_compatible, expect_vectorised, grad, measure,
                                      meta_tensor, randn, rng, seeded)
from torchdojo.grading.remote import LearnerRaised

# d_head != d_model on purpose: scaling by √d_model instead of √d_k then shows.
D_MODEL, D_HEAD = 12, 5
PROJECTIONS = ("query", "key", "value")


class ReferenceHead(nn.Module):
    """The grader's head: the same three projections, then PyTorch's own attention."""

    def __init__(self, d_model: int, d_head: int):
        super().__init__()
        self.query, self.key, self.value = (nn.Linear(d_model, d_head) for _ in PROJECTIONS)

    def forward(self, x, context=None, mask=None, causal=False):
        context = x if context is None else context
        q, k, v = self.query(x), self.key(context), self.value(context)
        if causal:
            allowed = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril()
            mask = allowed if mask is None else mask & allowed if mask.dtype == torch.bool \
                else mask.masked_fill(~allowed, float("-inf"))
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def _build(learner, d_model: int = D_MODEL, d_head: int = D_HEAD, seed: int = 0):
    with seeded(seed):  # the learner's __init__ draws its weights from the global RNG
        return learner.AttentionHead(d_model, d_head)


def _twins(learner, d_model: int = D_MODEL, d_head: int = D_HEAD, seed: int = 0):
    """A reference head and the learner's, holding the same weights (loaded through load_state_dict)."""
    with seeded(seed):
        reference = ReferenceHead(d_model, d_head)
    head = _build(learner, d_model, d_head, seed + 1)
    name = f"AttentionHead({d_model}, {d_head})"
    try:
        head.load_state_dict(reference.state_dict())
    except LearnerRaised as exc:
        raise CheckFailed(f"the reference's weights cannot be loaded into {name} to compare outputs: "
                          f"load_state_dict failed ({str(exc.info.get('message', ''))[:200]}); see the state_dict "
                          "check", f"twins:load:{name}", kind="state") from None
    return reference, head


def _allowed(seed: int, *shape: int) -> torch.Tensor:
    """A random boolean mask (True = may attend) in which every query keeps at least one key."""
    allowed = torch.rand(shape, generator=rng(seed)) < 0.6
    allowed[..., 0] |= ~allowed.any(-1)  # a row with no key left is the fully-masked check's business
    return allowed


def check_state_dict_layout(learner):
    """query, key and value are nn.Linear(d_model, d_head) with bias: the state_dict has exactly
    query.weight (d_head, d_model), query.bias (d_head,), and the same for key and value; it loads both ways."""
    expect_state_dict_compatible(_build(learner), ReferenceHead(D_MODEL, D_HEAD), f"AttentionHead({D_MODEL}, {D_HEAD})")


def check_initialisation(learner):
    """A fresh head holds finite, moderate, random weights (nn.Linear's default is fine)."""
    expect_sane_init(_build(learner, seed=1), _build(learner, seed=2), f"AttentionHead({D_MODEL}, {D_HEAD})")


def check_matches_sdpa(learner):
    """Self-attention equals F.scaled_dot_product_attention on the same projections, for several
    batch sizes, lengths and head sizes (d_head != d_model), one head called twice with different shapes."""
    for seed, (d_model, d_head, shapes) in enumerate([(D_MODEL, D_HEAD, [(3, 7), (1, 4)]), (8, 16, [(2, 5), (4, 1)]),
                                                      (6, 3, [(5, 9)])]):
        reference, head = _twins(learner, d_model, d_head, seed)
        for call, (batch, length) in enumerate(shapes):
            x = randn(rng(10 + 3 * seed + call), batch, length, d_model)
            expect_close(head(x), reference(x), what=f"AttentionHead({d_model}, {d_head}) on x of shape "
                         f"{(batch, length, d_model)} (call {call + 1}), compared with scaled_dot_product_attention")


def check_cross_attention(learner):
    """With a context of another length (Tk != Tq), queries come from x, keys and values from the
    context: the output has x's length and equals the built-in's."""
    reference, head = _twins(learner, seed=3)
    for seed, (batch, tq, tk) in enumerate([(2, 3, 6), (3, 8, 2)]):
        x, context = randn(rng(20 + seed), batch, tq, D_MODEL), randn(rng(30 + seed), batch, tk, D_MODEL)
        expect_close(head(x, context), reference(x, context),
                     what=f"AttentionHead(x of shape {tuple(x.shape)}, context of shape {tuple(context.shape)})")


def check_boolean_mask(learner):
    """A boolean mask (True = may attend), per example (B, Tq, Tk) or shared (Tq, Tk), with self- and
    cross-attention, equals the built-in's."""
    reference, head = _twins(learner, seed=4)
    x, context = randn(rng(40), 3, 5, D_MODEL), randn(rng(41), 3, 7, D_MODEL)
    for name, ctx, mask in [("a (B, Tq, Tk) mask", None, _allowed(42, 3, 5, 5)),
                            ("a (Tq, Tk) mask", None, _allowed(43, 5, 5)),
                            ("a (B, Tq, Tk) mask and a context", context, _allowed(44, 3, 5, 7))]:
        expect_close(head(x, ctx, mask), reference(x, ctx, mask), what=f"AttentionHead with {name} (bool)")


def check_additive_mask(learner):
    """A float mask is added to the scores: finite values shift them, -inf blocks a pair."""
    reference, head = _twins(learner, seed=5)
    x = randn(rng(50), 2, 6, D_MODEL)
    mask = randn(rng(51), 2, 6, 6) * 2
    mask = mask.masked_fill(~_allowed(52, 2, 6, 6), float("-inf"))
    expect_close(head(x, mask=mask), reference(x, mask=mask), what="AttentionHead with an additive (float) mask")


def check_causal(learner):
    """causal=True lets query i attend to keys j <= i only, alone and combined with a boolean or float mask,
    and with a context of another length (Tk > Tq and Tk < Tq): the (Tq, Tk) mask is top-left aligned,
    tril(ones(Tq, Tk)), as in F.scaled_dot_product_attention(is_causal=True)."""
    reference, head = _twins(learner, seed=6)
    x = randn(rng(60), 3, 6, D_MODEL)
    bool_mask = _allowed(61, 3, 6, 6) | torch.eye(6, dtype=torch.bool)  # the diagonal stays open
    float_mask = randn(rng(62), 6, 6)
    for name, mask in [("alone", None), ("with a boolean mask", bool_mask), ("with a float mask", float_mask)]:
        expect_close(head(x, mask=mask, causal=True), reference(x, mask=mask, causal=True),
                     what=f"AttentionHead with causal=True {name}")
    # Cross-attention: the mask is (Tq, Tk), not (Tq, Tq); query i still sees keys 0..i (key 0 at least).
    cross_mask = _allowed(63, 3, 6, 9)
    cross_mask[..., 0] = True
    for seed, (tk, mask) in enumerate([(9, None), (4, None), (9, cross_mask)]):
        context = randn(rng(64 + seed), 3, tk, D_MODEL)
        expect_close(head(x, context, mask, causal=True), reference(x, context, mask, causal=True),
                     what=f"AttentionHead(x of shape {tuple(x.shape)}, context of shape {tuple(context.shape)}"
                          f"{', a boolean mask' if mask is not None else ''}, causal=True), whose (Tq, Tk) = "
                          f"{(6, tk)} mask is tril(ones(Tq, Tk))")


def check_fully_masked_rows(learner):
    """A query whose keys are all blocked (every mask entry False, or -inf) gets output 0 instead of
    NaN, the other rows are unaffected, and every gradient stays finite."""
    reference, head = _twins(learner, seed=7)
    x = randn(rng(70), 2, 5, D_MODEL).requires_grad_()
    allowed = _allowed(71, 2, 5, 5)
    allowed[0, 1], allowed[1, 3] = False, False  # two queries with nothing to look at
    additive = torch.zeros(2, 5, 5).masked_fill(~allowed, float("-inf"))
    upstream = randn(rng(72), 2, 5, D_HEAD)
    expected = reference(x, mask=allowed)
    expected_grads = torch.autograd.grad((expected * upstream).sum(), [x, reference.query.weight])
    for kind, mask in (("boolean", allowed), ("float", additive)):
        got = head(x, mask=mask)
        expect_finite(got, what=f"AttentionHead's output with a fully masked {kind} row")
        expect_close(got, expected, what=f"AttentionHead with a {kind} mask that blocks every key of two queries")
        grads = grad(got, [x, head.query.weight], upstream, what=f"AttentionHead(x, mask) ({kind}, fully masked rows)")
        for name, g, e in zip(("the input x", "query.weight"), grads, expected_grads):
            expect_grad_close(g, e, what=f"{name} with a fully masked {kind} row")


def check_gradients(learner):
    """The gradients for x, the context and every projection's weight and bias equal the built-in's
    (cross-attention with a mask, so every path counts)."""
    reference, head = _twins(learner, seed=8)
    x, context = randn(rng(80), 2, 4, D_MODEL).requires_grad_(), randn(rng(81), 2, 6, D_MODEL).requires_grad_()
    mask, upstream = _allowed(82, 2, 4, 6), randn(rng(83), 2, 4, D_HEAD)
    names = [f"{p}.{w}" for p in PROJECTIONS for w in ("weight", "bias")]
    ours = [getattr(getattr(reference, p), w) for p in PROJECTIONS for w in ("weight", "bias")]
    theirs = [getattr(getattr(head, p), w) for p in PROJECTIONS for w in ("weight", "bias")]
    expected = torch.autograd.grad((reference(x, context, mask) * upstream).sum(), [x, context] + ours)
    got = grad(head(x, context, mask), [x, context] + theirs, upstream, what="AttentionHead(x, context, mask)")
    for name, g, e in zip(["the input x", "the context"] + names, got, expected):
        expect_grad_close(g, e, what=name)


def check_causality(learner):
    """With causal=True, changing the tokens after position t never changes the outputs at 0..t
    (judged on your head's own outputs)."""
    head = _build(learner, seed=9)
    x = randn(rng(90), 2, 7, D_MODEL)
    before = head(x, causal=True)
    for t in (0, 3, 5):
        changed = x.clone()
        changed[:, t + 1:] = randn(rng(91 + t), 2, 6 - t, D_MODEL)
        after = head(changed, causal=True)
        expect_close(after[:, :t + 1], before[:, :t + 1],
                     what=f"AttentionHead(causal=True)'s outputs at positions 0..{t} after the tokens after {t} "
                          "changed (the future leaks into the past)", kind="causality")


def check_permutation_equivariance(learner):
    """Without a mask, attention has no notion of order: permuting the tokens of x permutes the outputs
    the same way, and permuting the context's tokens changes nothing."""
    head = _build(learner, seed=10)
    x, context = randn(rng(100), 2, 6, D_MODEL), randn(rng(101), 2, 5, D_MODEL)
    perm, perm_context = torch.randperm(6, generator=rng(102)), torch.randperm(5, generator=rng(103))
    expect_close(head(x[:, perm]), head(x)[:, perm],
                 what="AttentionHead(x[:, perm]) compared with AttentionHead(x)[:, perm]", kind="equivariance")
    expect_close(head(x, context[:, perm_context]), head(x, context),
                 what="AttentionHead(x, context[:, perm]) compared with AttentionHead(x, context)", kind="equivariance")


def check_batch_independence(learner):
    """Each example's output depends on that example only: the batch equals each example run alone."""
    head = _build(learner, seed=11)
    x = randn(rng(110), 4, 5, D_MODEL)
    together = head(x)
    for i in range(4):
        expect_close(together[i:i + 1], head(x[i:i + 1]),
                     what=f"example {i} of a batch of 4 compared with the same example alone", kind="batch")


def check_is_a_module(learner):
    """AttentionHead is an nn.Module with its computation in forward (hooks fire)."""
    reference, head = _twins(learner, seed=12)
    expect_module(head, f"AttentionHead({D_MODEL}, {D_HEAD})")
    x = randn(rng(120), 2, 3, D_MODEL)
    expect_close(expect_hooks_fire(head, x, what=f"AttentionHead({D_MODEL}, {D_HEAD})"), reference(x),
                 what="AttentionHead called with a forward hook")


def check_runs_on_the_input_device(learner):
    """Everything forward creates is made on the input's device: called on tensors of PyTorch's "meta" device
    (shapes without data, which stands in for a GPU here), no tensor made on the CPU meets them, with or
    without masks and causal=True."""
    head = _build(learner, seed=13)
    x, context = meta_tensor(2, 4, D_MODEL), meta_tensor(2, 6, D_MODEL)
    for what, args, kwargs in [
            ("AttentionHead(x)", [x], {}),
            ("AttentionHead(x, causal=True)", [x], {"causal": True}),
            ("AttentionHead(x, context, mask=a boolean mask, causal=True)", [x, context],
             {"mask": meta_tensor(2, 4, 6, dtype="bool"), "causal": True}),
            ("AttentionHead(x, mask=a float mask, causal=True)", [x], {"mask": meta_tensor(4, 4), "causal": True})]:
        expect_on_input_device(head, what, args, kwargs, 'torch.ones(..., device=x.device) or x.new_ones(...)')


def check_written_by_hand(learner):
    """The attention is computed from tensor operations, not by F.scaled_dot_product_attention or
    nn.MultiheadAttention."""
    x = randn(rng(130), 2, 4, D_MODEL)
    for causal in (False, True):
        _, seen = measure(_build(learner), x, causal=causal)
        expect_not_delegated(seen, ("scaled_dot_product_attention", "multi_head_attention_forward"),
                             f"AttentionHead(causal={causal})", "write softmax(Q Kᵀ / √d_k) V with @ and torch.softmax")


def check_vectorised(learner):
    """forward does the same few tensor operations for any batch size, query length, context length,
    d_model and d_head (no Python loop)."""
    head = _build(learner)
    expect_vectorised(head, lambda n: (randn(rng(140 + n), n, 3, D_MODEL),), what="AttentionHead", dimension="examples")
    expect_vectorised(head, lambda n: (randn(rng(141 + n), 2, n, D_MODEL), None, None, True),
                      what="AttentionHead(causal=True)", dimension="tokens")
    expect_vectorised(head, lambda n: (randn(rng(142), 2, 3, D_MODEL), randn(rng(143 + n), 2, n, D_MODEL)),
                      what="AttentionHead(x, context)", dimension="context tokens")
    for dimension in ("d_model", "d_head"):
        seen = []
        for n in (2, 24):
            d_model, d_head = (n, D_HEAD) if dimension == "d_model" else (D_MODEL, n)
            seen.append(measure(_build(learner, d_model, d_head), randn(rng(150 + n), 2, 3, d_model))[1])
        small, large = seen
        expect(large.torch_calls <= small.torch_calls and large.lines <= small.lines,
               f"AttentionHead makes {small.torch_calls} torch calls and runs {small.lines} lines of your code with "
               f"{dimension}=2, but {large.torch_calls} calls and {large.lines} lines with {dimension}=24: it loops "
               "in Python; matrix products handle every feature at once", f"loops:AttentionHead:{dimension}",
               kind="loops")

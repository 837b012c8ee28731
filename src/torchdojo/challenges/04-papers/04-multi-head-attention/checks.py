"""Checks for multi-head-attention: four projections in a stated layout (nn.MultiheadAttention's weights
load through it), output and head-averaged weights against nn.MultiheadAttention(batch_first=True)
for self- and cross-attention, every mask kind (key padding, boolean and float attn_mask, causal,
combined), fully masked queries, gradients for the inputs and every parameter, weights that are
distributions, causality, permutation equivariance and batch independence as properties, a real
module, everything made on the input's device (judged on meta tensors), no delegation and no Python loop
over heads, tokens or examples."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import (CheckFailed, expect, expect_close, expect_finite, expect_grad_close,
                                      expect_hooks_fire, expect_module, expect_not_delegated, expect_on_input_device,
                                      expect_sane_init, expect_shape, expect_state_dict_compatible, expect_tensor,
                                      expect_vectorised, grad, measure, meta_tensor, randn, rng, seeded)
from torchdojo.grading.remote import LearnerRaised

E, H = 12, 3  # head_dim 4: scaling by √E instead of √d_k shows
PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")


class Layout(nn.Module):
    """The stated state_dict layout: four nn.Linear(E, E)."""

    def __init__(self, embed_dim: int):
        super().__init__()
        for name in PROJECTIONS:
            self.add_module(name, nn.Linear(embed_dim, embed_dim))


def _learner_state(mha: nn.MultiheadAttention) -> dict:
    """nn.MultiheadAttention's weights in the stated layout: in_proj_weight is q, k and v stacked."""
    q, k, v = mha.in_proj_weight.detach().chunk(3)
    qb, kb, vb = mha.in_proj_bias.detach().chunk(3)
    return {"q_proj.weight": q, "q_proj.bias": qb, "k_proj.weight": k, "k_proj.bias": kb, "v_proj.weight": v,
            "v_proj.bias": vb, "out_proj.weight": mha.out_proj.weight.detach(),
            "out_proj.bias": mha.out_proj.bias.detach()}


def _build(learner, embed_dim: int = E, num_heads: int = H, seed: int = 0):
    with seeded(seed):
        return learner.MultiHeadAttention(embed_dim, num_heads)


def _twins(learner, embed_dim: int = E, num_heads: int = H, seed: int = 0):
    """nn.MultiheadAttention(batch_first=True) and the learner's module holding the same weights."""
    with seeded(seed):
        reference = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)
        nn.init.normal_(reference.in_proj_bias, std=0.2)  # torch starts them at 0, which would hide a bias mix-up
        nn.init.normal_(reference.out_proj.bias, std=0.2)
    mha = _build(learner, embed_dim, num_heads, seed + 1)
    name = f"MultiHeadAttention({embed_dim}, {num_heads})"
    try:
        mha.load_state_dict(_learner_state(reference))
    except LearnerRaised as exc:
        raise CheckFailed(f"nn.MultiheadAttention's weights cannot be loaded into {name} to compare outputs: "
                          f"load_state_dict failed ({str(exc.info.get('message', ''))[:200]}); see the state_dict "
                          "check", f"twins:load:{name}", kind="state") from None
    return reference, mha


def _expected(reference, query, key, value, key_padding_mask=None, attn_mask=None, is_causal=False):
    """nn.MultiheadAttention's (output, weights averaged over heads), with the causal mask made explicit."""
    if is_causal:
        future = torch.ones(query.shape[1], key.shape[1], dtype=torch.bool).triu(1)
        attn_mask = future if attn_mask is None else attn_mask | future if attn_mask.dtype == torch.bool \
            else attn_mask.masked_fill(future, float("-inf"))
    if key_padding_mask is not None and attn_mask is not None and attn_mask.dtype != torch.bool:
        key_padding_mask = torch.zeros(key_padding_mask.shape).masked_fill(key_padding_mask, float("-inf"))
    return reference(query, key, value, key_padding_mask=key_padding_mask, attn_mask=attn_mask, need_weights=True,
                     average_attn_weights=True)


def _pair(got, what: str):
    expect(isinstance(got, tuple) and len(got) == 2,
           f"{what} returned {type(got).__name__}{'' if not isinstance(got, tuple) else f' of {len(got)}'}; "
           "expected a tuple (output, attention weights averaged over the heads), like nn.MultiheadAttention",
           f"pair:{what}", kind="type")
    return got


def _compare(mha, reference, what: str, *args, **kwargs):
    output, weights = _pair(mha(*args, **kwargs), what)
    expected_output, expected_weights = _expected(reference, *args, **kwargs)
    expect_close(output, expected_output, what=f"the output of {what}")
    expect_close(weights, expected_weights, what=f"the attention weights of {what} (averaged over the heads)")


def _padding(seed: int, batch: int, length: int) -> torch.Tensor:
    """A key-padding mask (True = padding) with a different number of padded keys per sequence, never all."""
    counts = torch.randint(0, length, (batch,), generator=rng(seed))
    return torch.arange(length)[None, :] >= (length - counts)[:, None]


def _blocked(seed: int, tq: int, tk: int) -> torch.Tensor:
    """A boolean attn_mask (True = blocked) that leaves every query at least one key."""
    blocked = torch.rand(tq, tk, generator=rng(seed)) < 0.4
    blocked[:, 0] = False
    return blocked


def check_state_dict_layout(learner):
    """q_proj, k_proj, v_proj and out_proj are nn.Linear(E, E) with bias: exactly those eight state_dict
    entries, each (E, E) or (E,); it loads both ways."""
    expect_state_dict_compatible(_build(learner), Layout(E), f"MultiHeadAttention({E}, {H})")


def check_initialisation(learner):
    """A fresh module holds finite, moderate, random weights (nn.Linear's default is fine)."""
    expect_sane_init(_build(learner, seed=1), _build(learner, seed=2), f"MultiHeadAttention({E}, {H})")


def check_matches_nn_multihead_attention(learner):
    """Self-attention: the output and the head-averaged weights equal nn.MultiheadAttention's with the
    same weights, for 1, 3, 4 and 8 heads and several batch sizes and lengths, one module called twice."""
    for seed, (embed_dim, num_heads, shapes) in enumerate([(E, H, [(2, 5), (1, 3)]), (16, 4, [(3, 7), (2, 2)]),
                                                           (8, 1, [(2, 4)]), (8, 8, [(2, 6)])]):
        reference, mha = _twins(learner, embed_dim, num_heads, seed)
        for call, (batch, length) in enumerate(shapes):
            x = randn(rng(10 + 3 * seed + call), batch, length, embed_dim)
            _compare(mha, reference, f"MultiHeadAttention({embed_dim}, {num_heads})(x, x, x) with x of shape "
                                     f"{(batch, length, embed_dim)}", x, x, x)


def check_cross_attention(learner):
    """Cross-attention: queries of one length, keys and values (different tensors) of another."""
    reference, mha = _twins(learner, seed=4)
    for seed, (batch, tq, tk) in enumerate([(2, 3, 6), (3, 7, 2)]):
        query = randn(rng(20 + seed), batch, tq, E)
        key, value = randn(rng(30 + seed), batch, tk, E), randn(rng(40 + seed), batch, tk, E)
        _compare(mha, reference, f"MultiHeadAttention(query {tuple(query.shape)}, key and value {tuple(key.shape)})",
                 query, key, value)


def check_key_padding_mask(learner):
    """key_padding_mask (B, Tk), True = padding: padded keys get no weight from any query or head, with
    a different amount of padding per sequence, in self- and cross-attention."""
    reference, mha = _twins(learner, seed=5)
    x, memory = randn(rng(50), 4, 6, E), randn(rng(51), 4, 8, E)
    _compare(mha, reference, "MultiHeadAttention(x, x, x, key_padding_mask)", x, x, x,
             key_padding_mask=_padding(52, 4, 6))
    _compare(mha, reference, "MultiHeadAttention(x, memory, memory, key_padding_mask)", x, memory, memory,
             key_padding_mask=_padding(53, 4, 8))


def check_attn_mask(learner):
    """attn_mask (Tq, Tk): boolean (True = may NOT attend) or float (added to the scores, -inf blocks),
    alone and together with a key_padding_mask."""
    reference, mha = _twins(learner, seed=6)
    x, memory = randn(rng(60), 3, 5, E), randn(rng(61), 3, 7, E)
    blocked = _blocked(62, 5, 7)
    additive = (randn(rng(63), 5, 7) * 2).masked_fill(_blocked(64, 5, 7), float("-inf"))
    padding = _padding(65, 3, 7)
    padding[:, 0] = False  # with the masks above, every query keeps a key
    for name, mask in (("boolean", blocked), ("float", additive)):
        _compare(mha, reference, f"MultiHeadAttention with a {name} attn_mask", x, memory, memory, attn_mask=mask)
        _compare(mha, reference, f"MultiHeadAttention with a {name} attn_mask and a key_padding_mask", x, memory,
                 memory, key_padding_mask=padding, attn_mask=mask)


def check_causal(learner):
    """is_causal=True: query i attends to keys j <= i only, alone and combined with a key_padding_mask and
    with a boolean or float attn_mask (the decoder's self-attention), and with keys of another length
    (Tk > Tq and Tk < Tq): the (Tq, Tk) mask is top-left aligned, tril(ones(Tq, Tk)), as in
    F.scaled_dot_product_attention(is_causal=True)."""
    reference, mha = _twins(learner, seed=7)
    x = randn(rng(70), 3, 6, E)
    padding = _padding(71, 3, 6)
    padding[:, 0] = False  # the first token is never padding, so every query keeps a key
    blocked = _blocked(72, 6, 6) & ~torch.eye(6, dtype=torch.bool)
    additive = randn(rng(73), 6, 6)
    for name, kwargs in [("alone", {}), ("with a key_padding_mask", {"key_padding_mask": padding}),
                         ("with a boolean attn_mask", {"attn_mask": blocked}),
                         ("with a float attn_mask and a key_padding_mask",
                          {"attn_mask": additive, "key_padding_mask": padding})]:
        _compare(mha, reference, f"MultiHeadAttention(is_causal=True) {name}", x, x, x, is_causal=True, **kwargs)
    # Keys of another length: the mask is (Tq, Tk), not (Tq, Tq); query i still sees keys 0..i (key 0 at least,
    # which _padding never pads).
    for seed, (tk, masks) in enumerate([(9, False), (4, False), (9, True)]):
        memory = randn(rng(74 + seed), 3, tk, E)
        kwargs = {"key_padding_mask": _padding(77, 3, tk), "attn_mask": randn(rng(78), 6, tk)} if masks else {}
        _compare(mha, reference, f"MultiHeadAttention(query {tuple(x.shape)}, key and value {tuple(memory.shape)}, "
                                 f"{'key_padding_mask, a float attn_mask, ' if masks else ''}is_causal=True), whose "
                                 f"(Tq, Tk) = {(6, tk)} mask is tril(ones(Tq, Tk))", x, memory, memory,
                 is_causal=True, **kwargs)


def check_weights_are_distributions(learner):
    """The returned weights have shape (B, Tq, Tk), are >= 0 and each query's row sums to 1 over the keys,
    and padded keys get exactly 0 (judged on your module's own weights)."""
    mha = _build(learner, seed=8)
    query, memory = randn(rng(80), 3, 4, E), randn(rng(81), 3, 6, E)
    padding = _padding(82, 3, 6)
    _, weights = _pair(mha(query, memory, memory, key_padding_mask=padding), "MultiHeadAttention(...)")
    expect_shape(weights, (3, 4, 6), what="the attention weights of MultiHeadAttention(query (3, 4, E), key (3, 6, E))")
    expect(bool((weights >= 0).all()), "some attention weights are negative or NaN: they come from a softmax over the keys",
           "weights:negative")
    expect_close(weights.sum(-1), torch.ones(3, 4), what="the sum of each query's attention weights over the keys",
                 kind="distribution")
    expect(bool((weights[padding[:, None, :].expand(3, 4, 6)] == 0).all()),
           "padded keys receive attention weight: key_padding_mask must block keys (the last axis), for every query",
           "weights:padding")


def check_fully_masked_queries(learner):
    """A query left without any key (its whole sequence padded, or its attn_mask row all blocked) gets zero
    weights, so its output is out_proj's bias; no NaN anywhere, the other queries unaffected, finite gradients."""
    reference, mha = _twins(learner, seed=9)
    # Three distinct tensors (the same tensor passed three times would reach your code as three copies).
    inputs = [randn(rng(90 + i), 3, 4, E).requires_grad_() for i in range(3)]
    padding = _padding(93, 3, 4)
    padding[1] = True  # sequence 1: every key is padding
    blocked = torch.zeros(4, 4, dtype=torch.bool)
    blocked[2] = True  # query 2 of every sequence: every key blocked
    # The grader's reference: the same weights through F.scaled_dot_product_attention, which gives a query
    # with no key zero weight (nn.MultiheadAttention gives NaN there).
    allowed = ~(padding[:, None, None, :] | blocked)  # (B, 1, Tq, Tk)
    q, k, v = (F.linear(t, w, b).view(3, 4, H, E // H).transpose(1, 2)
               for t, w, b in zip(inputs, reference.in_proj_weight.chunk(3), reference.in_proj_bias.chunk(3)))
    heads = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    expected = reference.out_proj(heads.transpose(1, 2).reshape(3, 4, E))
    upstream = randn(rng(94), 3, 4, E)
    expected_grads = torch.autograd.grad((expected * upstream).sum(), inputs + [reference.in_proj_weight])
    output, weights = _pair(mha(*inputs, key_padding_mask=padding, attn_mask=blocked), "MultiHeadAttention(...)")
    expect_finite(output, what="the output of MultiHeadAttention with queries that have no key left")
    expect_close(output, expected, what="the output of MultiHeadAttention with queries that have no key left")
    empty = (padding[:, None, :] | blocked).all(-1)  # (B, Tq)
    expect_close(weights[empty], torch.zeros(int(empty.sum()), 4),
                 what="the attention weights of queries that have no key left")
    got = grad(output, inputs + [mha.q_proj.weight, mha.k_proj.weight, mha.v_proj.weight], upstream,
               what="MultiHeadAttention(query, key, value, ...) with fully masked queries")
    names = ("the query", "the key", "the value", "q_proj.weight", "k_proj.weight", "v_proj.weight")
    for name, g, e in zip(names, got, (*expected_grads[:3], *expected_grads[3].chunk(3))):
        expect_grad_close(g, e, what=f"{name} with fully masked queries")


def check_gradients(learner):
    """The gradients for query, key and value and for every parameter equal nn.MultiheadAttention's
    (cross-attention with a key_padding_mask, so every path counts)."""
    reference, mha = _twins(learner, seed=10)
    query = randn(rng(100), 2, 3, E).requires_grad_()
    key, value = randn(rng(101), 2, 5, E).requires_grad_(), randn(rng(102), 2, 5, E).requires_grad_()
    padding, upstream = _padding(103, 2, 5), randn(rng(104), 2, 3, E)
    output, _ = _expected(reference, query, key, value, key_padding_mask=padding)
    mine = [reference.in_proj_weight, reference.in_proj_bias, reference.out_proj.weight, reference.out_proj.bias]
    expected = torch.autograd.grad((output * upstream).sum(), [query, key, value] + mine)
    w, b = expected[3].chunk(3), expected[4].chunk(3)
    expected_by_name = {"query": expected[0], "key": expected[1], "value": expected[2],
                        "q_proj.weight": w[0], "q_proj.bias": b[0], "k_proj.weight": w[1], "k_proj.bias": b[1],
                        "v_proj.weight": w[2], "v_proj.bias": b[2], "out_proj.weight": expected[5],
                        "out_proj.bias": expected[6]}
    params = [getattr(getattr(mha, name.split(".")[0]), name.split(".")[1]) for name in list(expected_by_name)[3:]]
    got_output, _ = _pair(mha(query, key, value, key_padding_mask=padding), "MultiHeadAttention(...)")
    got = grad(got_output, [query, key, value] + params, upstream,
               what="MultiHeadAttention(query, key, value, key_padding_mask)")
    for (name, e), g in zip(expected_by_name.items(), got):
        expect_grad_close(g, e, what=name)


def check_causality(learner):
    """With is_causal=True, changing the tokens after position t never changes the outputs at 0..t
    (judged on your module's own outputs)."""
    mha = _build(learner, seed=11)
    x = randn(rng(110), 2, 7, E)
    before, _ = _pair(mha(x, x, x, is_causal=True), "MultiHeadAttention(x, x, x, is_causal=True)")
    for t in (0, 3, 5):
        changed = x.clone()
        changed[:, t + 1:] = randn(rng(111 + t), 2, 6 - t, E)
        after, _ = _pair(mha(changed, changed, changed, is_causal=True), "MultiHeadAttention(is_causal=True)")
        expect_close(after[:, :t + 1], before[:, :t + 1],
                     what=f"MultiHeadAttention(is_causal=True)'s outputs at positions 0..{t} after the tokens after "
                          f"{t} changed (the future leaks into the past)", kind="causality")


def check_permutation_equivariance(learner):
    """Without a causal mask, order means nothing to attention: permuting the tokens permutes the outputs,
    and permuting the key/value pairs (with their padding) changes nothing."""
    mha = _build(learner, seed=12)
    x, memory = randn(rng(120), 2, 6, E), randn(rng(121), 2, 5, E)
    perm, perm_memory = torch.randperm(6, generator=rng(122)), torch.randperm(5, generator=rng(123))
    padding = _padding(124, 2, 5)
    xp = x[:, perm]
    (output, weights), (output_p, weights_p) = mha(x, x, x), mha(xp, xp, xp)
    expect_close(output_p, output[:, perm], what="MultiHeadAttention on permuted tokens compared with its output "
                                                 "permuted", kind="equivariance")
    expect_close(weights_p, weights[:, perm][:, :, perm], what="the attention weights on permuted tokens compared "
                                                               "with the weights permuted", kind="equivariance")
    mp = memory[:, perm_memory]
    expect_close(mha(x, mp, mp, key_padding_mask=padding[:, perm_memory])[0],
                 mha(x, memory, memory, key_padding_mask=padding)[0],
                 what="MultiHeadAttention with its key/value pairs (and their padding) permuted compared with the "
                      "original order", kind="equivariance")


def check_batch_independence(learner):
    """Each sequence's output depends on that sequence only: the batch equals each sequence run alone."""
    mha = _build(learner, seed=13)
    x = randn(rng(130), 4, 5, E)
    padding = _padding(131, 4, 5)
    together, _ = mha(x, x, x, key_padding_mask=padding)
    for i in range(4):
        alone, _ = mha(x[i:i + 1], x[i:i + 1], x[i:i + 1], key_padding_mask=padding[i:i + 1])
        expect_close(together[i:i + 1], alone, what=f"sequence {i} of a batch of 4 compared with the same sequence "
                                                    "alone", kind="batch")


def check_is_a_module(learner):
    """MultiHeadAttention is an nn.Module with its computation in forward (hooks fire)."""
    reference, mha = _twins(learner, seed=14)
    expect_module(mha, f"MultiHeadAttention({E}, {H})")
    x = randn(rng(140), 2, 3, E)
    output = expect_hooks_fire(mha, x, x, x, what=f"MultiHeadAttention({E}, {H})")
    output, _ = _pair(output, "MultiHeadAttention(x, x, x)")
    expect_close(expect_tensor(output, "output"), _expected(reference, x, x, x)[0],
                 what="MultiHeadAttention called with a forward hook")


def check_runs_on_the_input_device(learner):
    """Every tensor forward creates is made on the input's device: called on tensors of PyTorch's "meta" device
    (shapes without data, which stands in for a GPU here), no tensor made on the CPU meets them, without masks,
    with is_causal=True, and with key padding and boolean or float attn_masks in cross-attention."""
    mha = _build(learner, seed=15)
    x, memory = meta_tensor(2, 4, E), meta_tensor(2, 6, E)
    padding = meta_tensor(2, 6, dtype="bool")
    for what, args, kwargs in [
            ("MultiHeadAttention(x, x, x)", [x, x, x], {}),
            ("MultiHeadAttention(x, x, x, is_causal=True)", [x, x, x], {"is_causal": True}),
            ("MultiHeadAttention(x, memory, memory, key_padding_mask, attn_mask=a boolean mask)", [x, memory, memory],
             {"key_padding_mask": padding, "attn_mask": meta_tensor(4, 6, dtype="bool")}),
            ("MultiHeadAttention(x, memory, memory, key_padding_mask, attn_mask=a float mask, is_causal=True)",
             [x, memory, memory], {"key_padding_mask": padding, "attn_mask": meta_tensor(4, 6), "is_causal": True})]:
        expect_on_input_device(mha, what, args, kwargs, 'torch.zeros(..., device=query.device) or query.new_zeros(...)')


def check_written_by_hand(learner):
    """The attention is computed from tensor operations, not by F.scaled_dot_product_attention or
    nn.MultiheadAttention (F.multi_head_attention_forward)."""
    x = randn(rng(150), 2, 4, E)
    for kwargs in ({}, {"is_causal": True}):
        _, seen = measure(_build(learner), x, x, x, **kwargs)
        expect_not_delegated(seen, ("scaled_dot_product_attention", "multi_head_attention_forward"),
                             f"MultiHeadAttention({', '.join(f'{k}={v}' for k, v in kwargs.items())})",
                             "split the heads and write softmax(Q Kᵀ / √d_k) V for all of them at once")


def check_vectorised(learner):
    """forward does the same few tensor operations for any batch size, query length, key length and number
    of heads (no Python loop over examples, tokens or heads)."""
    mha = _build(learner)
    expect_vectorised(mha, lambda n: (randn(rng(160), n, 3, E),) * 3, what="MultiHeadAttention", dimension="sequences")
    expect_vectorised(mha, lambda n: (randn(rng(161), 2, n, E),) * 3 + (None, None, True),
                      what="MultiHeadAttention(is_causal=True)", dimension="tokens")
    expect_vectorised(mha, lambda n: (randn(rng(162), 2, 3, E),) + (randn(rng(163), 2, n, E),) * 2
                      + (torch.zeros(2, n, dtype=torch.bool),),
                      what="MultiHeadAttention(query, key, value, key_padding_mask)", dimension="keys")
    seen = [measure(_build(learner, 24, heads), *(randn(rng(170), 2, 3, 24),) * 3)[1] for heads in (2, 12)]
    small, large = seen
    expect(large.torch_calls <= small.torch_calls and large.lines <= small.lines,
           f"MultiHeadAttention(24, h) makes {small.torch_calls} torch calls and runs {small.lines} lines of your code "
           f"with 2 heads, but {large.torch_calls} calls and {large.lines} lines with 12: it loops over the heads in "
           "Python; reshape to (B, h, T, d_k) and let one batched product do every head",
           "loops:MultiHeadAttention:heads", kind="loops")

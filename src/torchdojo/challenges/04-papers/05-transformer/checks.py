"""Checks for transformer: the sinusoidal encoding against the formula; logits' shape; the decoder's
causality and the source padding mask as properties of the learner's forward (changing later target
tokens, or adding padding, leaves the other outputs as they were); position information reaching the
encoder and the decoder; dropout acting in training only; greedy decoding equal, step by step, to the
argmax of the learner's own forward; and the grader's training loop (next to the learner's model, one
thread) reaching 99% token accuracy on held-out reversal sequences, counted here from the learner's
greedy decoding."""
import math

import torch

from torchdojo.data.synthetic import reversal_task
from torchdojo.grading.expect import (CheckFailed, expect, expect_close, expect_loads, expect_shape, expect_tensor,
                                      observer, seeded)
from torchdojo.grading.observer import report_progress

PAD, BOS = 0, 1
VOCAB, LENGTH = 10, 6  # tokens 2..9: 8 symbols, sequences of 6
SIZES = dict(d_model=32, nhead=4, num_layers=2, dim_feedforward=64, dropout=0.0)
STEPS, BATCH, LR = 500, 64, 1e-2  # the grader's training budget (see the statement)
TOL = dict(rtol=1e-4, atol=1e-5)


def _model(learner, seed: int = 0):
    with seeded(seed):  # weight init draws from the learner's global RNG
        model = learner.Seq2SeqTransformer(VOCAB, **SIZES)
    model.eval()  # no dropout: outputs are deterministic
    return model


def _tokens(seed: int, batch: int, length: int) -> torch.Tensor:
    return torch.randint(2, VOCAB, (batch, length), generator=torch.Generator().manual_seed(seed))


def _decoder_input(seed: int, batch: int, length: int) -> torch.Tensor:
    tgt = _tokens(seed, batch, length)
    tgt[:, 0] = BOS
    return tgt


def _reference_encoding(length: int, d_model: int) -> torch.Tensor:
    table = torch.zeros(length, d_model, dtype=torch.float64)
    for pos in range(length):
        for i in range(0, d_model, 2):
            angle = pos / 10000 ** (i / d_model)
            table[pos, i], table[pos, i + 1] = math.sin(angle), math.cos(angle)
    return table.float()


def check_positional_encoding(learner):
    """positional_encoding(length, d_model) is the sinusoidal table: PE[pos, 2i] = sin(pos / 10000^(2i/d)),
    PE[pos, 2i+1] = cos(pos / 10000^(2i/d)), shape (length, d_model)."""
    for length, d_model in ((7, 8), (50, 32)):
        got = learner.positional_encoding(length, d_model)
        expect_close(got, _reference_encoding(length, d_model), what=f"positional_encoding({length}, {d_model})",
                     rtol=1e-4, atol=1e-5)


def check_logits_shape(learner):
    """forward(src (B, S), tgt (B, T)) returns finite logits of shape (B, T, vocab_size), for source and
    target lengths that differ and a batch of one."""
    model = _model(learner)
    for batch, s, t in ((5, 6, 4), (1, 3, 7), (2, 9, 1)):
        got = model(_tokens(batch + s, batch, s), _decoder_input(t, batch, t))
        expect_shape(got, (batch, t, VOCAB), what=f"the logits for src ({batch}, {s}) and tgt ({batch}, {t})")
        expect(bool(torch.isfinite(got).all()), f"the logits for src ({batch}, {s}) and tgt ({batch}, {t}) contain "
                                                 "NaN or inf", f"nonfinite:logits:{batch}-{s}-{t}", kind="nonfinite")


def check_decoder_is_causal(learner):
    """The decoder is causal: changing the target tokens from position k on leaves the logits at
    positions before k unchanged (for every k), while changing an earlier token does change them."""
    model = _model(learner, seed=1)
    src, tgt = _tokens(10, 4, LENGTH), _decoder_input(11, 4, 7)
    base = model(src, tgt)
    expect_shape(base, (4, 7, VOCAB), what="the logits for src (4, 6) and tgt (4, 7)")
    earlier = tgt.clone()
    earlier[:, 1] = (tgt[:, 1] - 2 + 1) % (VOCAB - 2) + 2
    got = model(src, earlier)
    expect(not torch.allclose(got[:, 6], base[:, 6], **TOL),
           "changing the target token at position 1 left the logits at the last position (6) unchanged: the "
           "decoder does not read the tokens before it. Is the causal mask turned around (True must be ABOVE the "
           "diagonal: torch.triu(..., diagonal=1)), or the target not used?", "causality:past-ignored", kind="mask")
    for k in range(1, 7):
        changed = tgt.clone()
        changed[:, k:] = (tgt[:, k:] - 2 + 1) % (VOCAB - 2) + 2  # a different real token at every later position
        got = model(src, changed)
        leaked = [t for t in range(k) if not torch.allclose(got[:, t], base[:, t], **TOL)]
        expect(not leaked, f"changing the target tokens from position {k} on changed the logits at position "
                           f"{leaked[0] if leaked else ''}: the decoder looks at later tokens. During training the "
                           "whole target is fed at once, so without a causal mask (True above the diagonal: position "
                           "t attends to 0..t only) the model learns to copy the answer and cannot decode on its own",
               "causality:future-leaks", kind="mask")


def check_source_padding_is_masked(learner):
    """Source padding (token 0) is masked in the encoder and in the decoder's cross-attention: appending
    padding leaves encode()'s output at the real positions and the logits unchanged, and a short source
    padded in a batch with a longer one gets the same logits as on its own."""
    model = _model(learner, seed=2)
    src, tgt = _tokens(20, 3, 5), _decoder_input(21, 3, 4)
    padded = torch.cat([src, torch.full((3, 3), PAD)], dim=1)
    memory, memory_padded = model.encode(src), model.encode(padded)
    expect_shape(memory_padded, (3, 8, SIZES["d_model"]), what="encode(src) for src of shape (3, 8)")
    expect(torch.allclose(memory_padded[:, :5], memory, **TOL),
           "appending 3 padding tokens to a source of 5 changed encode()'s output at the 5 real positions: the "
           "encoder's self-attention reads the padding; pass src_key_padding_mask = (src == PAD)",
           "padding:encoder", kind="mask")
    expect(torch.allclose(model(padded, tgt), model(src, tgt), **TOL),
           "appending 3 padding tokens to a source of 5 changed the logits, although the encoder's output at the "
           "real positions did not change: the decoder's cross-attention reads the padded memory positions; pass "
           "memory_key_padding_mask = (src == PAD) as well", "padding:cross-attention", kind="mask")
    short, long = _tokens(22, 1, 3), _tokens(23, 1, 6)
    batch = torch.cat([torch.cat([short, torch.full((1, 3), PAD)], dim=1), long])
    tgt2 = _decoder_input(24, 2, 5)
    expect(torch.allclose(model(batch, tgt2)[:1], model(short, tgt2[:1]), **TOL),
           "a 3-token source padded to 6 in a batch with a longer one gets other logits than on its own: the "
           "padding mask must be built per sequence, from each source's own PAD positions",
           "padding:in-a-batch", kind="mask")


def check_positions_reach_the_encoder(learner):
    """The model knows where each source token is: swapping two source tokens changes the logits (attention
    alone is blind to order; the positional encoding is what breaks the symmetry)."""
    model = _model(learner, seed=3)
    src, tgt = _tokens(30, 4, LENGTH), _decoder_input(31, 4, 5)
    src[:, 0] = 2
    src[:, 4] = 7  # two different tokens, swapped below
    swapped = src.clone()
    swapped[:, [0, 4]] = src[:, [4, 0]]
    base, got = model(src, tgt), model(swapped, tgt)
    expect_tensor(got, "the logits")
    expect(not torch.allclose(got, base, rtol=1e-4, atol=1e-4),
           "swapping two tokens of the source leaves the logits unchanged: the model sees the source as a bag of "
           "tokens. Add the positional encoding to the token embeddings (of the source and of the target)",
           "positions:bag-of-tokens", kind="value")


def check_positions_reach_the_decoder(learner):
    """The decoder knows where each target token is: in a one-layer model, swapping two earlier target
    tokens changes the logits at the later positions (without positions, the decoder reads its prefix as
    a bag of tokens)."""
    # One layer: from the second layer on, the causal mask alone leaks some order (each earlier position has
    # attended to another prefix), so only a one-layer decoder without PE is exactly blind to the swap.
    with seeded(3):
        model = learner.Seq2SeqTransformer(VOCAB, **{**SIZES, "num_layers": 1})
    model.eval()
    src, tgt = _tokens(32, 4, LENGTH), _decoder_input(33, 4, 8)
    tgt[:, 1] = 3
    tgt[:, 5] = 8  # two different tokens, swapped below: positions 6 and 7 read both, and keep their own
    swapped = tgt.clone()
    swapped[:, [1, 5]] = tgt[:, [5, 1]]
    base, got = model(src, tgt), model(src, swapped)
    expect_shape(got, (4, 8, VOCAB), what="the logits for src (4, 6) and tgt (4, 8)")
    # a correct model moves them by 1e-4 or more (PE at positions 1 and 5 differ); a bag of tokens by rounding
    change = float((got[:, 6:] - base[:, 6:]).abs().max())
    expect(change > 1e-5,
           f"swapping the target tokens at positions 1 and 5 changes the logits at positions 6 and 7 by only "
           f"{change:.1e}: the decoder reads the tokens before it as a bag, not a sequence. The formula adds PE "
           "to the target embeddings too: E[y]·√d + PE, as for the source", "positions:target-bag-of-tokens",
           kind="value")


def check_dropout_only_in_training(learner):
    """Built with dropout=0.3, the model is deterministic in eval mode (two calls agree, and equal the same
    weights built with dropout=0), and dropout acts in train mode (two calls differ)."""
    with seeded(6):
        model = learner.Seq2SeqTransformer(VOCAB, **{**SIZES, "dropout": 0.3})
    with seeded(6):
        plain = learner.Seq2SeqTransformer(VOCAB, **SIZES)
    expect_loads(plain, model.state_dict(), "a dropout=0 model's load_state_dict(the dropout=0.3 model's state_dict())")
    model.eval()
    plain.eval()
    src, tgt = _tokens(50, 4, LENGTH), _decoder_input(51, 4, 5)
    first, second = model(src, tgt), model(src, tgt)
    expect_shape(first, (4, 5, VOCAB), what="the logits for src (4, 6) and tgt (4, 5)")
    expect(torch.allclose(first, second, **TOL),
           "in eval mode, two calls with the same input give different logits when the model is built with "
           "dropout=0.3: dropout is still active after model.eval(). F.dropout(x, p) drops whatever the mode "
           "unless it is given training=self.training; nn.Dropout follows the mode by itself",
           "dropout:eval-random", kind="value")
    expect(torch.allclose(first, plain(src, tgt), **TOL),
           "in eval mode, the model built with dropout=0.3 gives other logits than the same weights built with "
           "dropout=0: at inference dropout must be the identity (inverted dropout scales by 1/(1-p) in "
           "training, so nothing is rescaled at test time)", "dropout:eval-differs", kind="value")
    model.train()
    first, second = model(src, tgt), model(src, tgt)
    expect(not torch.allclose(first, second, **TOL),
           "in train mode, two calls of the model built with dropout=0.3 give the same logits: the dropout "
           "argument is ignored; pass it to the layers (or apply nn.Dropout(dropout) in your blocks)",
           "dropout:train-ignored", kind="value")


def check_greedy_decoding(learner):
    """greedy_decode(src, max_len) returns (B, max_len) int64 tokens without BOS, each the argmax of the
    model's logits after feeding BOS and the tokens decoded before it (checked here step by step)."""
    model = _model(learner, seed=4)
    src, steps = _tokens(40, 5, LENGTH), 5
    got = model.greedy_decode(src, steps)
    expect_shape(got, (5, steps), what=f"greedy_decode(src of shape (5, {LENGTH}), max_len={steps})")
    expect(got.dtype == torch.long, f"greedy_decode returned {got.dtype}, expected int64 token ids",
           f"greedy:dtype:{got.dtype}", kind="dtype")
    prefix = torch.full((5, 1), BOS, dtype=torch.long)
    for t in range(steps):
        expected = model(src, prefix)[:, -1].argmax(dim=-1)
        wrong = (got[:, t] != expected).nonzero().flatten().tolist()
        expect(not wrong, f"step {t} of greedy_decode: sequence {wrong[0] if wrong else ''} got token "
                          f"{int(got[wrong[0], t]) if wrong else ''}, but the argmax of the model's last logits after "
                          f"BOS and the {t} tokens decoded before is {int(expected[wrong[0]]) if wrong else ''}: each "
                          "step must feed the tokens predicted so far and take the argmax at the last position",
               f"greedy:step-{t}", kind="value")
        prefix = torch.cat([prefix, got[:, t:t + 1]], dim=1)


@observer
def _train(learner, src: torch.Tensor, tgt: torch.Tensor, held_out: torch.Tensor, seed: int) -> dict:
    """Next to the learner's model: the grader's teacher-forced training loop (Adam with a one-cycle
    schedule), then greedy decoding of the held-out sources."""
    import torch.nn.functional as F

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = learner.Seq2SeqTransformer(VOCAB, **SIZES)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=LR, total_steps=STEPS, pct_start=0.2)
    losses = []
    for step in range(STEPS):
        s, t = src[step * BATCH:(step + 1) * BATCH], tgt[step * BATCH:(step + 1) * BATCH]
        decoder_input = torch.cat([torch.full((len(t), 1), BOS, dtype=torch.long), t[:, :-1]], dim=1)
        logits = model(s, decoder_input)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), t.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        if step % 50 == 49:
            report_progress(step=step + 1, steps=STEPS, loss=round(sum(losses[-50:]) / 50, 4))
    model.eval()
    return {"losses": losses, "decoded": model.greedy_decode(held_out, held_out.shape[1])}


def check_learns_to_reverse(learner):
    """Trained by the grader (500 Adam steps of 64 sequences, teacher forcing, one thread), the model
    reverses held-out sequences of 6 tokens: greedy decoding gets at least 99% of the tokens right,
    counted here."""
    src, tgt = reversal_task(STEPS * BATCH, LENGTH, VOCAB, seed=5)
    held_out, expected = reversal_task(1000, LENGTH, VOCAB, seed=6)
    seen = _train(learner, src, tgt, held_out, seed=7)
    decoded, losses = seen["decoded"], seen["losses"]
    expect_shape(decoded, tuple(expected.shape), what="greedy_decode on the 1000 held-out sources")
    accuracy = (decoded == expected).double().mean().item()
    final = sum(losses[-20:]) / 20
    if accuracy >= 0.99:
        return
    if not math.isfinite(final):
        category = "nan"
    elif final < 0.05:  # it fits the training targets under teacher forcing, but cannot decode on its own
        category = "teacher-forced-only"
    else:
        category = "not-learned"
    raise CheckFailed(f"after {STEPS} training steps the model reverses {accuracy:.1%} of held-out tokens (greedy "
                      f"decoding; at least 99% is needed); the training loss ended at {final:.4f}. "
                      + {"nan": "The loss is not finite: is a mask hiding every key of some query?",
                         "teacher-forced-only": "The loss is tiny but decoding fails: with the whole target fed "
                         "at once, is the decoder's causal mask in place, and does greedy decoding feed its own "
                         "predictions back?",
                         "not-learned": "Reversal needs to know where each token is: is the positional encoding "
                         "added to the embeddings?"}[category],
                      f"accuracy-low:{category}", kind="training")

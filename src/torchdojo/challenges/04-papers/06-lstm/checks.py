"""Checks for lstm: LSTMCell in nn.LSTMCell's parameter layout, its (h, c) against nn.LSTMCell's with
copied weights and its gradients; the sequence LSTM against nn.LSTM(batch_first=True) with copied
weights (outputs, final state, given initial state), state carried across calls, gradients through
time for the input, the initial state and every parameter; then the forecaster, trained by the
learner's own train_forecaster next to their code, judged here on held-out noisy sine waves (one-step
MSE, and a 20-step autoregressive forecast that must agree with the model's own one-step predictions),
and the forecast plot decoded here."""
import itertools

import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.data.synthetic import noisy_sine_sequences
from torchdojo.grading.artifacts import expect_png
from torchdojo.grading.diagnostics import mismatch_summary
from torchdojo.grading.expect import (CheckFailed, expect, expect_close, expect_grad_close, expect_loads,
                                      expect_module, expect_sane_init, expect_shape, expect_state_dict_compatible,
                                      grad, observer, randn, requires_grad, rng, scratch_dir, seeded)
from torchdojo.grading.remote import current_session

ONE_STEP_TARGET = 0.012  # held-out one-step MSE (steps 5 on); the noise alone gives 0.0025, the reference ≈ 0.006
FORECAST_TARGET = 0.3  # 20-step forecast MSE; repeating the last value gives ≈ 1.1, the reference ≈ 0.15
WARM_UP = 5  # the first few predictions cannot know the phase and frequency yet: not judged


def _cell(learner, input_size, hidden_size, seed=0):
    with seeded(seed):
        return learner.LSTMCell(input_size, hidden_size)


def _twin_cells(learner, input_size, hidden_size, seed):
    with seeded(seed):
        reference = nn.LSTMCell(input_size, hidden_size)
    cell = _cell(learner, input_size, hidden_size, seed + 1)
    expect_loads(cell, reference.state_dict(), f"LSTMCell({input_size}, {hidden_size}).load_state_dict(the "
                                               "weights of an nn.LSTMCell)")
    return reference, cell


def _twin_lstms(learner, input_size, hidden_size, seed):
    """An nn.LSTM(batch_first=True) and the learner's LSTM whose .cell holds the same weights."""
    with seeded(seed):
        reference = nn.LSTM(input_size, hidden_size, batch_first=True)
        model = learner.LSTM(input_size, hidden_size)
    state = {key.removesuffix("_l0"): value for key, value in reference.state_dict().items()}
    expect_loads(model.cell, state, f"LSTM({input_size}, {hidden_size}).cell.load_state_dict(nn.LSTM's weights)")
    return reference, model


def _expect_pair(got, what: str) -> tuple:
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{what} should return a pair, got "
                                                             f"{type(got).__name__}", f"pair:{what}", kind="type")
    return tuple(got)


def _close(got, expected, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """`got` is a tensor of `expected`'s shape holding its values (for a diagnosis, not a verdict)."""
    return isinstance(got, torch.Tensor) and got.shape == expected.shape and \
        mismatch_summary(got, expected, rtol=rtol, atol=atol) is None


# --- the cell -------------------------------------------------------------------------------------


GATES = "ifgo"  # nn.LSTM's order of the gates in weight_ih, weight_hh and the biases


def _cell_with_gate_order(reference, x, h, c, order: str):
    """(h', c') of nn.LSTMCell's weights with its four stacked chunks used as the gates named by `order`."""
    with torch.no_grad():
        gates = x @ reference.weight_ih.T + reference.bias_ih + h @ reference.weight_hh.T + reference.bias_hh
        chunk = dict(zip(order, gates.chunk(4, dim=1)))
        i, f, o = (torch.sigmoid(chunk[name]) for name in "ifo")
        c_new = f * c + i * torch.tanh(chunk["g"])
        return o * torch.tanh(c_new), c_new


def _expect_gate_order(got_h, got_c, reference, x, h, c, what: str) -> None:
    """When (h', c') are those of the gates read from the stacked weights in another order than nn.LSTM's,
    name that order (a classic mistake the values alone do not tell)."""
    for order in ("".join(p) for p in itertools.permutations(GATES)):
        want_h, want_c = _cell_with_gate_order(reference, x, h, c, order)
        if order != GATES and _close(got_c, want_c) and _close(got_h, want_h):
            raise CheckFailed(
                f"{what} reads the gates from the stacked weights in the order {', '.join(order)}: its (h', c') are "
                f"exactly nn.LSTMCell's with the four chunks of weight_ih, weight_hh and the biases taken as "
                f"{', '.join(order)}. nn.LSTM stacks them i, f, g, o (input, forget, cell candidate, output), so "
                "with its weights your gates trade places; cut them with i, f, g, o = gates.chunk(4, dim=1)",
                f"gate-order:{what}:{order}")


def check_cell_parameters(learner):
    """LSTMCell(input_size, hidden_size) is an nn.Module holding nn.LSTMCell's parameters: weight_ih (4H, I),
    weight_hh (4H, H), bias_ih and bias_hh (4H,), the gates stacked i, f, g, o; randomly initialised."""
    cell = _cell(learner, 3, 5)
    expect_module(cell, "LSTMCell(3, 5)")
    expect_state_dict_compatible(cell, nn.LSTMCell(3, 5), "LSTMCell(3, 5)")
    expect_sane_init(_cell(learner, 4, 6, seed=1), _cell(learner, 4, 6, seed=2), "LSTMCell(4, 6)")


def check_cell_matches_nn_lstmcell(learner):
    """With nn.LSTMCell's weights loaded, LSTMCell(x, (h, c)) returns the same (h', c') for several sizes, and
    LSTMCell(x) starts from zeros."""
    for seed, (batch, input_size, hidden_size) in enumerate([(4, 3, 5), (7, 6, 2), (1, 2, 8)]):
        reference, cell = _twin_cells(learner, input_size, hidden_size, 10 * seed)
        x = randn(rng(seed), batch, input_size)
        h, c = randn(rng(seed + 100), batch, hidden_size), randn(rng(seed + 200), batch, hidden_size) * 2
        what = f"LSTMCell({input_size}, {hidden_size})(x, (h, c))"
        got_h, got_c = _expect_pair(cell(x, (h, c)), what)
        want_h, want_c = reference(x, (h, c))
        if not (_close(got_c, want_c.detach()) and _close(got_h, want_h.detach())):
            _expect_gate_order(got_h, got_c, reference, x, h, c, what)
        expect_close(got_c, want_c.detach(), what=f"the new cell state c' of {what}")
        expect_close(got_h, want_h.detach(), what=f"the new hidden state h' of {what}")
        got_h, got_c = _expect_pair(cell(x), f"LSTMCell({input_size}, {hidden_size})(x)")
        want_h, want_c = reference(x)
        expect_close(got_h, want_h.detach(), what=f"h' of LSTMCell({input_size}, {hidden_size})(x) with no state "
                                                  "(zeros)")


def check_cell_gradients(learner):
    """Backpropagation through one step gives x, h, c and the four parameters the same gradients as
    nn.LSTMCell."""
    reference, cell = _twin_cells(learner, 4, 3, seed=30)
    x = randn(rng(30), 5, 4).requires_grad_()
    h, c = randn(rng(31), 5, 3).requires_grad_(), randn(rng(32), 5, 3).requires_grad_()
    up_h, up_c = randn(rng(33), 5, 3), randn(rng(34), 5, 3)
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    want_h, want_c = reference(x, (h, c))
    expected = torch.autograd.grad((want_h * up_h).sum() + (want_c * up_c).sum(),
                                   [x, h, c] + [getattr(reference, n) for n in names])
    got_h, got_c = _expect_pair(cell(x, (h, c)), "LSTMCell(4, 3)(x, (h, c))")
    got = grad([got_h, got_c], [x, h, c] + [getattr(cell, n) for n in names], [up_h, up_c],
               what="LSTMCell(4, 3)(x, (h, c))")
    for name, g, e in zip(["the input x", "the previous h", "the previous c"] + [f"LSTMCell.{n}" for n in names],
                          got, expected):
        expect_grad_close(g, e, what=name)


# --- the sequence LSTM ----------------------------------------------------------------------------


def _run(model, x, state, what):
    got = _expect_pair(model(x) if state is None else model(x, state), what)
    output, final = got
    return output, _expect_pair(final, f"the state returned by {what}")


def check_lstm_matches_nn_lstm(learner):
    """LSTM(input_size, hidden_size) with nn.LSTM's weights in its .cell returns what nn.LSTM(batch_first=True)
    returns: output (N, T, H) and (h_n, c_n), each (1, N, H), from zeros and from a given (h0, c0)."""
    for seed, (batch, steps, input_size, hidden_size) in enumerate([(3, 6, 2, 4), (5, 2, 4, 3), (1, 9, 3, 5)]):
        reference, model = _twin_lstms(learner, input_size, hidden_size, 40 + seed)
        x = randn(rng(40 + seed), batch, steps, input_size)
        h0, c0 = randn(rng(50 + seed), 1, batch, hidden_size), randn(rng(60 + seed), 1, batch, hidden_size)
        for state in (None, (h0, c0)):
            what = f"LSTM({input_size}, {hidden_size})(x of shape {tuple(x.shape)}{', (h0, c0)' if state else ''})"
            output, (h_n, c_n) = _run(model, x, state, what)
            want, (want_h, want_c) = reference(x, state)
            expect_close(output, want.detach(), what=f"the output of {what}")
            expect_close(h_n, want_h.detach(), what=f"h_n of {what}")
            expect_close(c_n, want_c.detach(), what=f"c_n of {what}")


def check_state_carried_across_calls(learner):
    """Reading a sequence in two calls, the second given the first's (h_n, c_n), gives the same outputs and
    final state as reading it in one call."""
    _, model = _twin_lstms(learner, 2, 4, seed=70)
    x = randn(rng(70), 3, 10, 2)
    whole, (h_whole, c_whole) = _run(model, x, None, "LSTM(2, 4)(x)")
    _, state = _run(model, x[:, :4], None, "LSTM(2, 4)(x[:, :4])")
    rest, (h_rest, c_rest) = _run(model, x[:, 4:], tuple(state), "LSTM(2, 4)(x[:, 4:], state)")
    expect_close(rest, whole[:, 4:], what="the output of LSTM(2, 4)(x[:, 4:], the state after x[:, :4]), compared "
                                          "with steps 4… of one call on all of x")
    expect_close(c_rest, c_whole, what="c_n after reading x in two calls, compared with one call")
    expect_close(h_rest, h_whole, what="h_n after reading x in two calls, compared with one call")


def check_lstm_gradients(learner):
    """Gradients flow through every time step: the input, h0, c0 and every parameter get nn.LSTM's gradients
    (a state detached between steps cuts them)."""
    reference, model = _twin_lstms(learner, 3, 4, seed=80)
    x = randn(rng(80), 2, 7, 3).requires_grad_()
    h0, c0 = randn(rng(81), 1, 2, 4).requires_grad_(), randn(rng(82), 1, 2, 4).requires_grad_()
    up, up_h = randn(rng(83), 2, 7, 4), randn(rng(84), 1, 2, 4)
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    want, (want_h, _) = reference(x, (h0, c0))
    expected = torch.autograd.grad((want * up).sum() + (want_h * up_h).sum(),
                                   [x, h0, c0] + [getattr(reference, f"{n}_l0") for n in names])
    output, (h_n, _) = _run(model, x, (h0, c0), "LSTM(3, 4)(x, (h0, c0))")
    if requires_grad(output) and not requires_grad(h_n):
        _detached_state(model, reference, x, h0, c0, output, up)
    got = grad([output, h_n], [x, h0, c0] + [getattr(model.cell, n) for n in names], [up, up_h],
               what="LSTM(3, 4)(x, (h0, c0))")
    if got[0] is not None and not _close(got[0], expected[0], 1.3e-6):
        wrong = _wrong_steps(got[0], expected[0])
        expect(not wrong or wrong[-1] == x.shape[1] - 1,  # right at the last step only: the state is cut
               f"the gradient of the input x is right at the last step but wrong at step{'s' * (len(wrong) > 1)} "
               f"{_steps(wrong)} of {x.shape[1]}: a step's loss reaches its own input but not the steps before it, "
               "so gradients do not flow back through the state (a .detach() of (h, c) before it goes into the "
               "next step?); pass each step's (h, c) to the next as it is", f"grad:through-time:{wrong}", kind="grad")
    for name, g, e in zip(["the input x", "h0", "c0"] + [f"LSTM.cell.{n}" for n in names], got, expected):
        expect_grad_close(g, e, what=name)


def _steps(steps: list[int]) -> str:
    return ", ".join(map(str, steps)) if len(steps) <= 3 else f"{steps[0]}..{steps[-1]}"


def _wrong_steps(got: torch.Tensor, expected: torch.Tensor) -> list[int]:
    """The time steps (axis 1) at which the gradient of x differs from nn.LSTM's."""
    return [t for t in range(expected.shape[1]) if not _close(got[:, t], expected[:, t], 1.3e-6)]


def _detached_state(model, reference, x, h0, c0, output, up) -> None:
    """The output requires grad but h_n does not: the state was cut from the graph. Say what that cuts, from
    the gradients that reach x, h0 and c0 through the output alone."""
    want, _ = reference(x, (h0, c0))
    want_x, want_h0, want_c0 = torch.autograd.grad((want * up).sum(), [x, h0, c0])
    got_x, got_h0, got_c0 = grad(output, [x, h0, c0], up, what="the output of LSTM(3, 4)(x, (h0, c0))")
    found = []
    if got_x is None:
        found.append("x receives no gradient")
    elif not _close(got_x, want_x, 1.3e-6):
        wrong = _wrong_steps(got_x, want_x)
        found.append(f"the gradient of x is wrong at step{'s' * (len(wrong) > 1)} {_steps(wrong)} of {x.shape[1]}")
    for name, got_g, want_g in (("h0", got_h0, want_h0), ("c0", got_c0, want_c0)):
        if not _close(got_g, want_g, 1.3e-6):
            found.append(f"{name} receives {'no' if got_g is None else 'a wrong'} gradient")
    cut = (f"through the output alone, {', '.join(found)}: a step's loss cannot reach the steps before it. Pass "
           "each step's (h, c) to the next as it is, without .detach()") if found else \
        "the gradients through the output are right, but a loss on the final state cannot train anything"
    raise CheckFailed(f"h_n, the final hidden state LSTM(3, 4)(x, (h0, c0)) returns, does not require grad although "
                      f"the output does: the state was cut from the graph (.detach(), .data or torch.tensor(...) on "
                      f"(h, c)) between the steps or on its way out; {cut}", f"grad:detached-state:{found}",
                      kind="grad")


# --- the forecaster -------------------------------------------------------------------------------


@observer
def _train(learner, inputs: torch.Tensor, targets: torch.Tensor):
    """Runs next to the learner's code: a fresh Forecaster() trained by their train_forecaster."""
    from torchdojo.grading.observer import report_progress

    torch.manual_seed(0)
    model = learner.Forecaster()
    report_progress(training="train_forecaster(model, inputs, targets) on 128 noisy sine waves")
    learner.train_forecaster(model, inputs, targets)
    return model


@observer
def _predict(model, x: torch.Tensor) -> torch.Tensor:
    """Runs next to the learner's code: the model's one-step predictions, in eval mode, without a graph."""
    model.eval()
    with torch.no_grad():
        return model(x)[0]


_TRAINED: list = []  # [(session, model)]: trained once per grading, shared by the checks that judge it


def _trained(learner):
    session = current_session()
    if not (_TRAINED and _TRAINED[0][0] is session):
        _TRAINED.clear()
        inputs, targets = noisy_sine_sequences(128, 40, seed=1)
        _TRAINED.append((session, _train.labelled("train_forecaster(Forecaster(), inputs, targets)", learner,
                                                  inputs, targets)))
    return _TRAINED[0][1]


def check_forecaster_learns(learner):
    """Forecaster() trained by train_forecaster on 128 noisy sine waves of 40 steps predicts the next value of
    256 held-out waves with a mean squared error below 0.012 (from step 5 on), computed here."""
    model = _trained(learner)
    x, y = noisy_sine_sequences(256, 40, seed=2)
    predictions = _predict.labelled("Forecaster()(held-out waves)", model, x)
    expect_shape(predictions, y.shape, what="the forecaster's predictions for 256 waves of 40 steps")
    expect(bool(torch.isfinite(predictions).all()), "the forecaster's predictions are not all finite: the training "
                                                    "diverged", "learn:nonfinite", kind="training")
    mse = float(F.mse_loss(predictions[:, WARM_UP:], y[:, WARM_UP:]))
    expect(mse < ONE_STEP_TARGET, f"the held-out one-step mean squared error is {mse:.4f}, expected below "
                                  f"{ONE_STEP_TARGET} (the noise alone gives 0.0025, repeating the input about 0.02): "
                                  "does the model predict the NEXT value (targets, not inputs), with the state "
                                  "carried from step to step, trained long enough?", "learn:mse-high",
           kind="training")


def check_forecast_rolls_out(learner):
    """forecast(model, history, 20) reads 40 steps and returns (N, 20, 1): each value is the model's own
    prediction given the history and the values forecast before it, and they stay within a mean squared
    error of 0.3 of the true continuation (repeating the last value: about 1.1)."""
    model = _trained(learner)
    waves, _ = noisy_sine_sequences(64, 60, seed=3)
    history, truth = waves[:, :40], waves[:, 40:]
    future = learner.forecast(model, history, 20)
    expect_shape(future, (64, 20, 1), what="forecast(model, history of shape (64, 40, 1), 20)")
    expect(bool(torch.isfinite(future).all()), "the forecast holds NaN or inf", "forecast:nonfinite")
    # Teacher-forced on its own forecast, the model must predict each forecast value from what came before.
    predicted = _predict.labelled("the model on the history followed by its forecast", model,
                                  torch.cat([history, future[:, :-1]], dim=1))
    expect_close(future, predicted[:, 39:], what="the forecast, compared with the model's own one-step predictions "
                 "on the history followed by the forecast (each forecast value fed back as the next input)",
                 atol=1e-4, rtol=1e-3)
    mse = float(F.mse_loss(future, truth))
    expect(mse < FORECAST_TARGET, f"the 20-step forecast's mean squared error is {mse:.3f}, expected below "
                                  f"{FORECAST_TARGET}", "forecast:mse-high", kind="training")


@observer
def _plot(learner, history, truth, predicted, path: str) -> None:
    learner.plot_forecast(history, truth, predicted, path)


def check_forecast_plot(learner):
    """plot_forecast(history, truth, predicted, path) writes a PNG at `path` of at least 400×250 pixels that
    is not blank."""
    waves, _ = noisy_sine_sequences(1, 60, seed=4)
    series = waves[0, :, 0]
    path = scratch_dir() / "forecast.png"
    _plot.labelled("plot_forecast(history, truth, predicted, path)", learner, series[:40], series[40:],
                   series[40:] * 0.9, str(path))
    expect_png(path, "the forecast plot", min_size=(400, 250))

"""Checks for early-stopping: validation losses scripted here (improvements, plateaus, exact ties,
gains smaller than min_delta) are fed to the learner's EarlyStopping next to their code (an
observer), one per epoch, while the model's weights are set to a marker of the epoch, in place (as
an optimizer step changes them) or by replacing the parameters. What comes back is the epoch at
which step() said stop and the weights after restore(); the expected epoch and the expected best
weights are worked out here from the rule."""
import math

import torch
from torch import nn

from torchdojo.grading.expect import CheckFailed, expect, observer


def _marker(epoch: int) -> float:
    return float(epoch + 1)  # the weights of epoch e are all e + 1; the initial weights are 0


@observer
def _drive(learner, losses: list, patience: int, min_delta: float, mode: str = "inplace") -> dict:
    """Runs next to the learner's code: one step(loss, model) per epoch after setting the weights to the
    epoch's marker, until step() returns True; then restore(model)."""
    model = nn.Linear(3, 2)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    stopping = learner.EarlyStopping(patience=patience, min_delta=min_delta)
    answers = []
    for epoch, loss in enumerate(losses):
        with torch.no_grad():
            if mode == "inplace":
                for p in model.parameters():
                    p.fill_(_marker(epoch))
            else:  # new parameter tensors, as load_state_dict(assign=True) or re-creating layers does
                model.weight = nn.Parameter(torch.full((2, 3), _marker(epoch)))
                model.bias = nn.Parameter(torch.full((2,), _marker(epoch)))
        answer = stopping.step(loss, model)
        answers.append(answer if isinstance(answer, bool) else repr(answer)[:40])
        if answer is True:
            break
    stopping.restore(model)
    weights = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    return {"answers": answers, "weights": weights}


def _reference(losses: list, patience: int, min_delta: float) -> tuple[int | None, int]:
    """(epoch at which to stop or None, epoch of the best weights), from the rule."""
    best, best_epoch, bad = math.inf, -1, 0
    for epoch, loss in enumerate(losses):
        if loss < best - min_delta:
            best, best_epoch, bad = loss, epoch, 0
        else:
            bad += 1
        if bad >= patience:
            return epoch, best_epoch
    return None, best_epoch


def _expect_run(learner, tag: str, losses: list, patience: int, min_delta: float = 0.0, mode: str = "inplace",
                judge_weights: bool = True) -> None:
    what = f"EarlyStopping(patience={patience}, min_delta={min_delta}) on validation losses {losses}"
    got = _drive.labelled(what, learner, losses, patience, min_delta, mode)
    stop, best = _reference(losses, patience, min_delta)
    answers = got["answers"]
    odd = [a for a in answers if not isinstance(a, bool)]
    expect(not odd, f"{what}: step() returned {odd[0] if odd else ''}, expected True or False",
           f"{tag}:not-bool", kind="type")
    got_stop = len(answers) - 1 if answers and answers[-1] is True else None
    if got_stop != stop:
        shift = "never" if got_stop is None else "too-early" if stop is None else f"{got_stop - stop:+d}"
        said = "never said stop" if got_stop is None else f"said stop at epoch {got_stop}"
        wanted = "never to stop" if stop is None else f"to stop at epoch {stop}"
        raise CheckFailed(f"{what}: step() {said}, expected {wanted} (epochs count from 0; the best loss is "
                          f"{losses[best]} at epoch {best}, and {patience} epoch(s) in a row without an improvement "
                          f"of more than {min_delta} end training)", f"{tag}:stop:{shift}", kind="value")
    if not judge_weights:
        return
    weights = got["weights"]
    last = len(answers) - 1
    found = [e for e in range(-1, last + 1) if torch.equal(weights, torch.full_like(weights, _marker(e)))]
    which = ("initial" if found == [-1] else "last" if found == [last] else f"epoch{found[0]}") if found else "mixed"
    held = "no single epoch" if not found else "its initial state" if found == [-1] else f"epoch {found[0]}"
    expect(found == [best], f"{what}: after restore(), the model holds the weights of {held}"
                            f"{' (the last one)' if found == [last] else ''}, expected the best epoch's ({best}) "
                            f"({'in-place' if mode == 'inplace' else 'replaced'} parameter updates)",
           f"{tag}:restore:{which}:{mode}", kind="state")


def check_stops_after_patience(learner):
    """After the best loss, training stops at the patience-th epoch in a row without improvement
    (patience 3 and 1), and not before."""
    _expect_run(learner, "patience3", [1.0, 0.8, 0.6, 0.7, 0.75, 0.9, 1.0, 1.1], patience=3, judge_weights=False)
    _expect_run(learner, "patience1", [1.0, 0.8, 0.6, 0.7, 0.75, 0.9], patience=1, judge_weights=False)


def check_ties_are_not_improvements(learner):
    """A loss equal to the best (a plateau) is not an improvement: it counts towards patience."""
    _expect_run(learner, "ties", [1.0, 0.5, 0.5, 0.5, 0.5, 0.5], patience=3, judge_weights=False)


def check_min_delta(learner):
    """A loss lower than the best by less than min_delta=0.05 is not an improvement; the threshold is
    measured from the best loss, not from the previous epoch's."""
    _expect_run(learner, "delta", [1.0, 0.97, 0.96, 0.93, 0.90, 0.89, 0.885, 0.87, 0.86], patience=3, min_delta=0.05,
                judge_weights=False)


def check_counter_resets_on_improvement(learner):
    """An improvement after some bad epochs starts the count of bad epochs again from zero."""
    _expect_run(learner, "reset", [1.0, 1.1, 1.2, 0.9, 1.0, 1.05, 0.8, 0.85, 0.9, 0.95, 1.0], patience=3,
                judge_weights=False)


def check_compares_with_the_best(learner):
    """A loss lower than the previous epoch's but not than the best is not an improvement."""
    _expect_run(learner, "best", [1.0, 0.6, 0.9, 0.8, 0.7, 0.65, 0.62, 0.61], patience=3, judge_weights=False)


def check_keeps_going_while_improving(learner):
    """While the loss keeps improving, step() never says stop, even with patience=1."""
    _expect_run(learner, "improving", [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], patience=1)


def check_restores_best_weights(learner):
    """After stopping, restore() puts back the best epoch's weights, not the last ones, while training
    changed the weights in place after the best epoch (as optimizer.step() does)."""
    _expect_run(learner, "restore", [1.0, 0.8, 0.6, 0.7, 0.75, 0.9, 1.0], patience=3)


def check_restores_best_weights_after_replacement(learner):
    """restore() also puts back the best weights when training replaced the parameter tensors after the
    best epoch."""
    _expect_run(learner, "replaced", [1.0, 0.8, 0.6, 0.7, 0.75, 0.9, 1.0], patience=3, mode="replace")

"""Checks for early-stopping: validation losses scripted here (improvements, plateaus, exact ties,
gains smaller than min_delta) are fed to the learner's EarlyStopping next to their code (an
observer), one per epoch, while the state of a model with buffers (a Linear and a BatchNorm1d) is set
to a marker of the epoch, in place (as an optimizer step and BatchNorm's running statistics change
it) or by replacing the tensors; after the last step() it changes once more, then restore() is
called. What comes back is the epoch at which step() said stop and the parameters and buffers after
restore(); the expected epoch and the expected best state are worked out here from the rule."""
import math

import torch
from torch import nn

from torchdojo.grading.expect import CheckFailed, expect, observer


def _marker(epoch: int) -> float:
    return float(epoch + 1)  # the state of epoch e is all e + 1; the initial state is 0


AFTER = 99.0  # the state when restore() is called: changed once more after the last step() (an integer, for
#               num_batches_tracked, and no epoch's marker)


def _model() -> nn.Module:
    """A layer and a BatchNorm: parameters AND buffers (running_mean, running_var, num_batches_tracked),
    all part of model.state_dict()."""
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))


def _set_state(model: nn.Module, value: float, mode: str) -> None:
    """Every parameter and buffer set to `value`: in place (as optimizer.step() and BatchNorm's running
    statistics do), or as new tensors (as load_state_dict(assign=True) or re-creating layers does)."""
    with torch.no_grad():
        for module in model.modules():
            for name, p in list(module.named_parameters(recurse=False)):
                if mode == "inplace":
                    p.fill_(value)
                else:
                    setattr(module, name, nn.Parameter(torch.full_like(p, value)))
            for name, b in list(module.named_buffers(recurse=False)):
                if mode == "inplace":
                    b.fill_(value)
                else:
                    setattr(module, name, torch.full_like(b, value))


@observer
def _drive(learner, losses: list, patience: int, min_delta: float, mode: str = "inplace") -> dict:
    """Runs next to the learner's code: one step(loss, model) per epoch after setting the model's state to
    the epoch's marker, until step() returns True; then the state changes once more (AFTER) and
    restore(model) is called."""
    model = _model()
    _set_state(model, _marker(-1), "inplace")
    stopping = learner.EarlyStopping(patience=patience, min_delta=min_delta)
    answers = []
    for epoch, loss in enumerate(losses):
        _set_state(model, _marker(epoch), mode)
        answer = stopping.step(loss, model)
        answers.append(answer if isinstance(answer, bool) else repr(answer)[:40])
        if answer is True:
            break
    _set_state(model, AFTER, mode)
    stopping.restore(model)
    return {"answers": answers,
            "params": torch.cat([p.detach().float().reshape(-1) for p in model.parameters()]),
            "buffers": torch.cat([b.detach().float().reshape(-1) for b in model.buffers()])}


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
    last = len(answers) - 1
    mode_words = "in-place" if mode == "inplace" else "replaced"

    def held(state: torch.Tensor) -> tuple[str, str]:
        """(fingerprint word, words) for the epoch whose marker fills `state`."""
        if torch.equal(state, torch.full_like(state, AFTER)):
            return "untouched", "the state it had when restore() was called (changed after the last step())"
        found = [e for e in range(-1, last + 1) if torch.equal(state, torch.full_like(state, _marker(e)))]
        if not found:
            return "mixed", "no single epoch's state"
        if found == [-1]:
            return "initial", "its initial state"
        return ("last" if found == [last] else f"epoch{found[0]}"), \
            f"epoch {found[0]}'s state{' (the last one)' if found == [last] else ''}"

    which, words = held(got["params"])
    if which == "untouched":
        raise CheckFailed(f"{what}: after restore(), the model's parameters are still {words}, expected the best "
                          f"epoch's ({best}): restore() must load the saved copy INTO the model it is given "
                          "(model.load_state_dict(best_state)); assigning to the name `model` inside restore() "
                          "changes nothing for the caller, and a saved reference to the live tensors follows the "
                          f"model ({mode_words} parameter updates)", f"{tag}:restore:{which}:{mode}", kind="state")
    expect(which == ("last" if best == last else f"epoch{best}"),
           f"{what}: after restore(), the model's parameters hold {words}, expected the best epoch's ({best}) "
           f"({mode_words} parameter updates)", f"{tag}:restore:{which}:{mode}", kind="state")
    which, words = held(got["buffers"])
    expect(which == ("last" if best == last else f"epoch{best}"),
           f"{what}: after restore(), the parameters are the best epoch's ({best}) but the model's buffers "
           f"(BatchNorm1d's running_mean, running_var, num_batches_tracked) hold {words}: a model's weights are "
           "its whole state_dict(), buffers included; copy all of it, and load all of it back",
           f"{tag}:restore-buffers:{which}:{mode}", kind="state")


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
    """After stopping, restore() puts the best epoch's whole state back into the model (parameters and a
    BatchNorm's running statistics), not the last one, while training changed them in place after the best
    epoch (as optimizer.step() and BatchNorm do)."""
    _expect_run(learner, "restore", [1.0, 0.8, 0.6, 0.7, 0.75, 0.9, 1.0], patience=3)


def check_restores_best_weights_after_replacement(learner):
    """restore() also puts back the best epoch's state when training replaced the parameter and buffer
    tensors after the best epoch."""
    _expect_run(learner, "replaced", [1.0, 0.8, 0.6, 0.7, 0.75, 0.9, 1.0], patience=3, mode="replace")

"""Checks for lr-scheduler: the learner's scheduler drives a real optimizer next to their code (an
observer), which records every param group's lr after construction and after each
scheduler.step(); the expected lrs are the closed form, computed here. Also: several param groups,
no warm-up at all, past the end, a resume from state_dicts saved with torch.save and read back
with torch.load(weights_only=True), and a scheduler built mid-run with last_epoch >= 0."""
import io
import math

import torch
from torch.optim.lr_scheduler import LRScheduler

from torchdojo.grading.expect import CheckFailed, expect, observer




def _closed_form(base: float, t: int, warmup: int, total: int, floor: float) -> float:
    if t < warmup:
        return base * t / warmup
    if t >= total:
        return floor
    return floor + (base - floor) * 0.5 * (1 + math.cos(math.pi * (t - warmup) / (total - warmup)))


@observer
def _schedule(learner, base_lrs: list, settings: dict, epochs: int, resume_at: int | None = None) -> dict:
    """Runs next to the learner's code: an SGD optimizer with one param group per base lr (the first
    one the optimizer's default lr), the learner's scheduler on it, the lr of every group at epoch 0
    (after construction) and after each scheduler.step(). With `resume_at`, the optimizer's and the
    scheduler's state_dicts are saved there (torch.save, then torch.load(weights_only=True)) and
    loaded into fresh ones, built first, as a training script does when it resumes."""
    start = settings.get("last_epoch", -1)

    def build():
        params = [torch.zeros(2, requires_grad=True) for _ in base_lrs]
        groups = [{"params": [p]} if i == 0 else {"params": [p], "lr": lr}
                  for i, (p, lr) in enumerate(zip(params, base_lrs))]
        if start >= 0:  # resumed: the groups hold what a loaded optimizer state_dict gives them
            for group, lr in zip(groups, base_lrs):
                group["initial_lr"] = lr  # LRScheduler reads the base lrs from here when last_epoch >= 0
                group["lr"] = _closed_form(lr, start, settings["warmup_epochs"], settings["total_epochs"],
                                           settings.get("min_lr", 0.0))  # the lr of the last epoch seen
        optimizer = torch.optim.SGD(groups, lr=base_lrs[0])
        return optimizer, learner.WarmupCosine(optimizer, **settings)

    optimizer, scheduler = build()
    facts = {"is_scheduler": isinstance(scheduler, LRScheduler), "saved": None}
    lrs = [None] * (start + 1) + [[float(g["lr"]) for g in optimizer.param_groups]]  # indexed by epoch
    for epoch in range(start + 2, epochs + 1):
        if epoch - 1 == resume_at:
            buffer = io.BytesIO()
            try:
                torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, buffer)
                buffer.seek(0)
                state = torch.load(buffer, weights_only=True)
            except Exception as exc:  # noqa: BLE001 - something in the state is not plain data
                facts["saved"] = type(exc).__name__
                break
            optimizer, scheduler = build()
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            facts["saved"] = "ok"
            lrs[-1] = [float(g["lr"]) for g in optimizer.param_groups]  # what the resumed epoch trains with
        optimizer.step()  # (no gradients: nothing moves) before scheduler.step(), in PyTorch's order
        scheduler.step()
        lrs.append([float(g["lr"]) for g in optimizer.param_groups])
    return dict(facts, lrs=lrs)


def _describe(settings: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items())


def _category(got: float, epoch: int, expected: list[float]) -> str:
    close = lambda a, b: math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)  # noqa: E731
    if epoch + 1 < len(expected) and close(got, expected[epoch + 1]):
        return "one-epoch-ahead"
    if epoch >= 1 and close(got, expected[epoch - 1]):
        return "one-epoch-behind"
    if got == 0:
        return "zero"
    return "too-high" if got > expected[epoch] else "too-low"


def _expect_schedule(learner, tag: str, base_lrs: list, settings: dict, epochs: int, first: int = 0,
                     resume_at: int | None = None) -> None:
    """The lrs of epochs first..epochs equal the closed form, for every group."""
    got = _schedule.labelled(f"WarmupCosine(optimizer, {_describe(settings)})", learner, base_lrs, settings, epochs,
                             resume_at)
    expect(got["is_scheduler"] is True, "WarmupCosine is not a torch.optim.lr_scheduler.LRScheduler: subclass it, "
                                        "so that step(), get_last_lr() and state_dict() work as PyTorch's do",
           "not-a-scheduler", kind="type")
    resumed = settings.get("last_epoch", -1)
    if resume_at is not None:
        expect(got["saved"] == "ok", f"the scheduler's state_dict cannot be saved with torch.save and read back with "
                                     f"torch.load(weights_only=True) ({got['saved']}): state_dict() holds every "
                                     "attribute of the scheduler, so keep only numbers, strings, lists and dicts "
                                     "there (no lambdas, no functions)", f"{tag}:save:{got['saved']}", kind="state")
    warmup, total, floor = settings["warmup_epochs"], settings["total_epochs"], settings.get("min_lr", 0.0)
    for group, base in enumerate(base_lrs):
        expected = [_closed_form(base, t, warmup, total, floor) for t in range(epochs + 2)]
        for epoch in range(first, epochs + 1):
            value = got["lrs"][epoch][group]
            if math.isclose(value, expected[epoch], rel_tol=1e-6, abs_tol=1e-12):
                continue
            category = _category(value, epoch, expected)
            hint = {"one-epoch-ahead": " (that is the lr of the NEXT epoch)",
                    "one-epoch-behind": " (that is the lr of the previous epoch)"}.get(category, "")
            where = f"param group {group} (base lr {base})" if len(base_lrs) > 1 else f"the lr (base {base})"
            when = f" after resuming at epoch {resume_at}" if resume_at is not None else ""
            if resumed >= 0:  # built mid-run: PyTorch's last_epoch is the last epoch seen, construction steps once
                when = (f" ({'right after construction' if epoch == resumed + 1 else 'after construction'} with "
                        f"last_epoch={resumed}: self.last_epoch is {resumed + 1} then, and the schedule must "
                        "follow it, not a count of calls of your own)")
            raise CheckFailed(f"WarmupCosine({_describe(settings)}): at epoch {epoch}{when}, "
                              f"{where} is {value:.6g}, expected {expected[epoch]:.6g}{hint}",
                              f"{tag}:group{group}:{category}", kind="value")


SETTINGS = dict(warmup_epochs=4, total_epochs=14, min_lr=0.001)


def check_warmup(learner):
    """During warm-up (epochs 0..4 of warmup_epochs=4) the lr rises linearly: lr_t = base_lr · t / warmup_epochs,
    0 right after construction."""
    _expect_schedule(learner, "warmup", [0.1], SETTINGS, epochs=4)


def check_cosine_decay(learner):
    """From warmup_epochs to total_epochs the lr follows a half cosine from base_lr down to min_lr:
    lr_t = min_lr + (base_lr − min_lr) · ½ · (1 + cos(π · (t − W) / (T − W)))."""
    _expect_schedule(learner, "cosine", [0.1], SETTINGS, epochs=14, first=4)


def check_no_warmup(learner):
    """warmup_epochs=0 (no warm-up): the cosine starts at base_lr at epoch 0."""
    _expect_schedule(learner, "nowarmup", [0.2], dict(warmup_epochs=0, total_epochs=8, min_lr=0.01), epochs=8)


def check_after_the_end(learner):
    """After total_epochs the lr stays at min_lr (the cosine does not climb back up)."""
    _expect_schedule(learner, "after", [0.1], SETTINGS, epochs=22, first=14)


def check_param_groups(learner):
    """Three param groups with base lrs 0.1, 0.02 and 0.5: each follows the schedule from its own base lr
    (min_lr is the same floor for all)."""
    _expect_schedule(learner, "groups", [0.1, 0.02, 0.5], dict(warmup_epochs=3, total_epochs=10, min_lr=0.001),
                     epochs=12)


def check_resume(learner):
    """Resumed at epoch 6 from the optimizer's and the scheduler's state_dicts (saved with torch.save,
    read with torch.load(weights_only=True), loaded into fresh ones), the schedule continues exactly."""
    _expect_schedule(learner, "resume", [0.1, 0.03], SETTINGS, epochs=16, first=6, resume_at=6)


def check_built_with_last_epoch(learner):
    """Built with last_epoch=5, as PyTorch resumes a scheduler (the param groups hold `initial_lr`, as a loaded
    optimizer state_dict gives them): the lr right after construction is epoch 6's, and every step after it
    follows the closed form of self.last_epoch, not a count of your own."""
    _expect_schedule(learner, "lastepoch", [0.1, 0.03], dict(SETTINGS, last_epoch=5), epochs=16, first=6)

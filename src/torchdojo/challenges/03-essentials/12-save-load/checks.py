"""Checks for save-load. The learner's functions write real files in the grading's scratch folder;
the grader reads those files itself with torch.load(weights_only=True) (nothing is unpickled
beyond tensors and plain containers). Training and resuming run next to the learner's code (an
observer): a small net with BatchNorm and Dropout, SGD with momentum and a StepLR schedule, trained
for 5 epochs straight, and trained for 2, checkpointed, rebuilt from scratch under another seed,
restored and trained to the end; the final weights of both runs come back and are compared here,
bit for bit."""
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.grading.expect import CheckFailed, expect, expect_close, observer, randn, rng, scratch_dir

TOTAL, SAVED_AT, BATCH = 5, 3, 32  # StepLR(step_size=2): a lost schedule shows after epoch 3


def _net(seed: int) -> nn.Sequential:
    """BatchNorm (buffers that are not parameters) and Dropout (random masks) on purpose."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))


def _state(seed: int) -> dict:
    """Initial weights chosen here, with running statistics far from a fresh BatchNorm's."""
    model = _net(seed)
    generator = rng(seed + 1)
    model[1].running_mean.copy_(torch.randn(16, generator=generator))
    model[1].running_var.copy_(torch.rand(16, generator=generator) + 0.5)
    model[1].num_batches_tracked.fill_(7)
    return {k: v.clone() for k, v in model.state_dict().items()}


def _data(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = rng(seed)
    return randn(generator, 96, 4), torch.randint(0, 3, (96,), generator=generator)


@observer
def _weights_round_trip(learner, state: dict, path: str) -> dict:
    """Runs next to the learner's code: save_weights from one model, load_weights into another one
    built under another seed; the loaded model's state comes back."""
    model, fresh = _net(0), _net(1)
    model.load_state_dict(state)
    learner.save_weights(model, path)
    learner.load_weights(fresh, path)
    return {k: v.detach().clone() for k, v in fresh.state_dict().items()}


@observer
def _load_untrusted(learner, clean: str, state: dict, path: str) -> dict:
    """Runs next to the learner's code: load_weights on a plain state_dict file (it must work: a
    load_weights that raises on everything proves nothing), then on a file that needs pickled code."""
    model = _net(0)
    learner.load_weights(model, clean)
    loaded = all(torch.equal(v, state[k]) for k, v in model.state_dict().items())
    raised = None
    try:
        learner.load_weights(model, path)
    except Exception as exc:  # noqa: BLE001 - refusing the file is the point
        raised = type(exc).__name__
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v, state[k])]
    return {"loaded": loaded, "raised": raised, "changed": changed}


def _epoch(model, optimizer, x, y) -> None:
    model.train()
    for batch in torch.randperm(len(x)).split(BATCH):  # the shuffle draws from the global RNG, as dropout does
        optimizer.zero_grad()
        F.cross_entropy(model(x[batch]), y[batch]).backward()
        optimizer.step()


def _objects(state: dict | None, seed: int):
    model = _net(seed)
    if state is not None:
        model.load_state_dict(state)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    return model, optimizer, scheduler


def _snapshot(model, optimizer, scheduler) -> dict:
    return {"model": {k: v.clone() for k, v in model.state_dict().items()},
            "optimizer": ({i: s["momentum_buffer"].clone() for i, s in optimizer.state_dict()["state"].items()},
                          [float(g["lr"]) for g in optimizer.param_groups]),
            "scheduler": (scheduler.last_epoch, [float(lr) for lr in scheduler.get_last_lr()]),
            "rng": torch.get_rng_state()}


@observer
def _resume(learner, state: dict, x: torch.Tensor, y: torch.Tensor, path: str) -> dict:
    """Runs next to the learner's code: TOTAL epochs straight; then, from the same start and seed,
    SAVED_AT epochs, save_checkpoint, a "new process" (another seed, objects built from scratch),
    load_checkpoint, and the remaining epochs. What was restored, and both final states, come back."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(2024)
        model, optimizer, scheduler = _objects(state, 0)
        for _ in range(TOTAL):
            _epoch(model, optimizer, x, y)
            scheduler.step()
        straight = {k: v.detach().clone() for k, v in model.state_dict().items()}

        torch.manual_seed(2024)
        model, optimizer, scheduler = _objects(state, 0)
        for _ in range(SAVED_AT):
            _epoch(model, optimizer, x, y)
            scheduler.step()
        saved = _snapshot(model, optimizer, scheduler)
        learner.save_checkpoint(path, model, optimizer, scheduler, SAVED_AT)

        torch.manual_seed(99)  # a new process: another seed, fresh objects, fresh initial weights
        model, optimizer, scheduler = _objects(None, 5)
        start = learner.load_checkpoint(path, model, optimizer, scheduler)
        now = _snapshot(model, optimizer, scheduler)
        restored = {
            "model": all(torch.equal(v, now["model"][k]) for k, v in saved["model"].items()),
            "optimizer": saved["optimizer"][1] == now["optimizer"][1] and saved["optimizer"][0].keys() ==
            now["optimizer"][0].keys() and all(torch.equal(v, now["optimizer"][0][i])
                                               for i, v in saved["optimizer"][0].items()),
            "scheduler": saved["scheduler"] == now["scheduler"],
            "rng": torch.equal(saved["rng"], now["rng"]),
        }
        start_value = int(start) if isinstance(start, int) and not isinstance(start, bool) else None
        if start_value is not None and 0 <= start_value <= TOTAL:
            for _ in range(start_value, TOTAL):
                _epoch(model, optimizer, x, y)
                scheduler.step()
        resumed = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return {"straight": straight, "resumed": resumed, "start": start_value if start_value is not None else repr(start),
            "restored": restored}


class _Untrusted:
    """Pickled as a call to torch.full: a file that only unpickling code can read."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def __reduce__(self):
        return (torch.full, (self.shape, 7.0))


def _read(path, what: str, tag: str):
    """The learner's file, read here with weights_only=True (tensors and plain containers only)."""
    expect(path.is_file(), f"{what}: no file was written at the path given", f"{tag}:missing", kind="artifact")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means: not plain data
        raise CheckFailed(f"{what} cannot be read with torch.load(weights_only=True) ({type(exc).__name__}): the file "
                          "holds pickled objects (a model, an optimizer, a function), not just tensors and plain "
                          "containers; save state_dict()s, and load with weights_only=True",
                          f"{tag}:{type(exc).__name__}", kind="artifact") from None


def check_weights_round_trip(learner):
    """save_weights then load_weights into a model built under another seed restores every tensor exactly
    (BatchNorm's running statistics included), so the loaded model's outputs in eval mode are identical."""
    state = _state(10)
    got = _weights_round_trip(learner, state, str(scratch_dir() / "weights.pt"))
    for key, value in state.items():
        expect(key in got and torch.equal(got[key], value),
               f"after save_weights and load_weights, {key} differs from the saved model's: the weights did not "
               "make the round trip", f"weights:{key}", kind="state")
    model = _net(0)
    model.load_state_dict(got)
    reference = _net(0)
    reference.load_state_dict(state)
    model.eval(), reference.eval()
    x = randn(rng(11), 8, 4)
    with torch.no_grad():
        expect_close(model(x), reference(x), what="the loaded model's output in eval mode")


def check_weights_file_is_a_state_dict(learner):
    """The file save_weights writes reads back with torch.load(weights_only=True) as a dict of tensors with
    exactly the model's state_dict keys (parameters and buffers), not a pickled model."""
    state = _state(12)
    path = scratch_dir() / "weights-file.pt"
    _weights_round_trip(learner, state, str(path))
    saved = _read(path, "the file written by save_weights", "weights-file")
    expect(isinstance(saved, dict), f"the file written by save_weights holds a {type(saved).__name__}, expected the "
                                    "model's state_dict (a dict of tensors)", f"weights-file:{type(saved).__name__}",
           kind="artifact")
    missing, extra = sorted(set(state) - set(saved)), sorted(set(saved) - set(state))
    expect(not missing and not extra, f"the file written by save_weights has keys {sorted(saved)}, expected "
                                      f"{sorted(state)} (missing: {missing}; unexpected: {extra}); model.state_dict() "
                                      "holds the parameters AND the buffers", f"weights-file:keys:{missing}:{extra}",
           kind="artifact")


def check_load_refuses_pickled_code(learner):
    """load_weights refuses a file that only unpickling arbitrary code can read (weights_only=True): it
    raises, and the model keeps its weights."""
    state = _state(13)
    path = scratch_dir() / "untrusted.pt"
    poisoned = dict(state)
    poisoned["0.weight"] = _Untrusted(state["0.weight"].shape)
    torch.save(poisoned, path)
    torch.save(state, scratch_dir() / "trusted.pt")
    got = _load_untrusted(learner, str(scratch_dir() / "trusted.pt"), state, str(path))
    expect(got["loaded"], "load_weights did not load a plain state_dict file correctly (see the round-trip check)",
           "untrusted:clean-not-loaded", kind="state")
    expect(got["raised"] is not None, "load_weights loaded a file that needs pickled code to read (its 0.weight is "
                                      "built by calling a function while unpickling): with weights_only=False, "
                                      "torch.load runs whatever a file says; use torch.load(path, weights_only=True)",
           "untrusted:loaded", kind="state")
    expect(not got["changed"], f"load_weights raised, but only after changing {got['changed']}",
           "untrusted:changed", kind="state")


def check_checkpoint_file_is_plain_data(learner):
    """The checkpoint save_checkpoint writes reads back with torch.load(weights_only=True): state_dicts,
    numbers and tensors, no pickled objects."""
    x, y = _data(20)
    path = scratch_dir() / "checkpoint-file.pt"
    _resume(learner, _state(21), x, y, str(path))
    saved = _read(path, "the checkpoint written by save_checkpoint", "checkpoint-file")
    expect(isinstance(saved, dict), f"the checkpoint holds a {type(saved).__name__}, expected a dict",
           f"checkpoint-file:{type(saved).__name__}", kind="artifact")


def check_checkpoint_restores_everything(learner):
    """load_checkpoint into objects built from scratch (under another seed) restores the model's weights,
    the optimizer's momentum buffers and lr, the scheduler's position, and the random number generator."""
    x, y = _data(30)
    got = _resume(learner, _state(31), x, y, str(scratch_dir() / "checkpoint.pt"))
    why = {"model": "the model's weights",
           "optimizer": "the optimizer's momentum buffers and lr (optimizer.state_dict())",
           "scheduler": "the scheduler's position (scheduler.state_dict())",
           "rng": "the random number generator's state (torch.get_rng_state(), for dropout and shuffling)"}
    lost = [name for name in why if got["restored"].get(name) is not True]
    expect(not lost, f"after load_checkpoint, these differ from what they were when save_checkpoint ran: "
                     f"{'; '.join(why[n] for n in lost)}. Save them in the checkpoint and restore them",
           f"restore:{lost}", kind="state")


def check_resume_is_exact(learner):
    """Training 3 epochs, checkpointing, restoring into fresh objects and training to epoch 5 gives, bit for
    bit, the weights of 5 epochs trained straight (load_checkpoint returns 3, the epoch to continue from)."""
    x, y = _data(40)
    got = _resume(learner, _state(41), x, y, str(scratch_dir() / "checkpoint.pt"))
    expect(got["start"] == SAVED_AT, f"load_checkpoint returned {got['start']} for a checkpoint saved after "
                                     f"{SAVED_AT} finished epochs; return the epoch to continue from ({SAVED_AT})",
           f"resume:start:{got['start']}", kind="state")
    differ = sorted(k for k, v in got["straight"].items() if not torch.equal(v, got["resumed"][k]))
    expect(not differ, f"the resumed run ends with weights different from the uninterrupted run's ({len(differ)} of "
                       f"{len(got['straight'])} tensors differ, e.g. {differ[0] if differ else ''}): something that "
                       "shapes training was not saved or not restored", "resume:diverges", kind="state")

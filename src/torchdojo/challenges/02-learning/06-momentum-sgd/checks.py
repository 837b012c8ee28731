"""Checks for momentum-sgd: the learner's optimizer runs next to their code (an observer) on a small
two-layer model from a start chosen here, and the parameters after every step come back; the
expected trajectory is the same loop run here with torch.optim.SGD. Settings: plain SGD, momentum,
dampening, Nesterov, weight decay, two param groups, a parameter without a gradient, and a
state_dict saved mid-run (through torch.save / torch.load(weights_only=True)) and loaded into a
fresh optimizer."""
import io
import types

import torch

from torchdojo.grading.diagnostics import mismatch_summary
from torchdojo.grading.expect import CheckFailed, expect, observer, randn, rng

STEPS = 6
RTOL, ATOL = 1e-5, 1e-6  # a few float32 roundings per step, in whatever order the learner adds things
NAMES = ("W1", "W2", "b", "unused")


def _loss(params, x, y):
    """A two-layer net; W1 and W2 have the same shape, so a velocity shared between them still runs
    (and mixes them up) instead of failing on a shape."""
    w1, w2, b = params[0], params[1], params[2]
    return ((torch.tanh(x @ w1.T) @ w2.T + b - y) ** 2).mean()


def _start(seed: int) -> list[torch.Tensor]:
    generator = rng(seed)
    return [randn(generator, 4, 4) * 0.5, randn(generator, 4, 4) * 0.5, randn(generator, 4) * 0.1,
            randn(generator, 3)]


def _data(seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = rng(seed)
    return [(randn(generator, 8, 4), randn(generator, 8, 4)) for _ in range(STEPS)]


@observer
def _trajectory(learner, start: list, data: list, groups: list, settings: dict, resume_at: int | None = None,
                accumulate: int = 0) -> dict:
    """Runs next to the learner's code (and here, with torch.optim.SGD as `learner.MomentumSGD`): the
    parameters after every step. `groups` lists each param group as (indices, overrides). With
    `resume_at`, the optimizer's state_dict is saved after that many steps, the parameters are copied
    into fresh tensors, and a fresh optimizer loads the state_dict and carries on. With `accumulate`
    = k > 0, the gradients are zeroed in place (zero_grad(set_to_none=False): the same .grad tensors
    live on from step to step) and accumulated over k backward passes, one per slice of the batch;
    `grad_changed` then names the first (step, parameter) whose .grad step() changed."""
    params = [t.clone().requires_grad_() for t in start]

    def build(params):
        return learner.MomentumSGD([dict(params=[params[i] for i in indices], **overrides)
                                    for indices, overrides in groups], **settings)

    optimizer = build(params)
    facts = {"is_optimizer": isinstance(optimizer, torch.optim.Optimizer), "loaded": None}
    trajectory, grad_changed = [], None
    for step, (x, y) in enumerate(data):
        if resume_at is not None and step == resume_at:
            buffer = io.BytesIO()
            torch.save(optimizer.state_dict(), buffer)  # as a checkpoint file would hold it
            buffer.seek(0)
            try:
                state = torch.load(buffer, weights_only=True)
            except Exception as exc:  # noqa: BLE001 - something in the state is not plain data
                facts["loaded"] = f"weights_only:{type(exc).__name__}"
                break
            params = [p.detach().clone().requires_grad_() for p in params]  # "a new process": new tensors
            optimizer = build(params)
            optimizer.load_state_dict(state)
            facts["loaded"] = "ok"
        if accumulate:
            optimizer.zero_grad(set_to_none=False)
            for k in range(accumulate):  # equal slices: the mean of their losses is the whole batch's loss
                (_loss(params, x[k::accumulate], y[k::accumulate]) / accumulate).backward()
            grads = [None if p.grad is None else p.grad.clone() for p in params]
        else:
            optimizer.zero_grad()
            _loss(params, x, y).backward()
        optimizer.step()
        if accumulate and grad_changed is None:
            for index, (p, g) in enumerate(zip(params, grads)):
                if g is not None and not (p.grad is not None and torch.equal(p.grad, g)):
                    grad_changed = [step, index]
                    break
        trajectory.append([p.detach().clone() for p in params])
    return dict(facts, trajectory=trajectory, grad_changed=grad_changed)


SGD = types.SimpleNamespace(MomentumSGD=torch.optim.SGD)


def _category(got: list, expected: list, before: list) -> str:
    """How a wrong step differs, as a category: no move at all, a move scaled by a constant factor, or
    some other move."""
    moved = [g - b for g, b in zip(got, before)]
    wanted = [e - b for e, b in zip(expected, before)]
    if all(not m.any() for m in moved):
        return "unchanged"
    m, w = torch.cat([t.reshape(-1) for t in moved]).double(), torch.cat([t.reshape(-1) for t in wanted]).double()
    ratio = float(m @ w / (w @ w)) if float(w @ w) > 0 else 0.0
    if torch.allclose(m, ratio * w, rtol=1e-3, atol=1e-7):
        return f"scaled:{ratio:.2g}"
    return "differs"


def _expect_same_trajectory(learner, what: str, tag: str, groups=None, settings=None, seed: int = 0,
                            resume_at: int | None = None, names=NAMES, accumulate: int = 0) -> dict:
    groups = groups or [([0, 1, 2], {})]
    settings = settings or {}
    start, data = _start(seed), _data(seed + 100)
    got = _trajectory.labelled(f"MomentumSGD({what})", learner, start, data, groups, settings, resume_at, accumulate)
    expected = _trajectory.local(SGD, start, data, groups, settings, resume_at, accumulate)
    expect(got["is_optimizer"] is True, "MomentumSGD is not a torch.optim.Optimizer: subclass it, so that "
                                        "param groups, zero_grad, state_dict and LR schedulers work",
           "not-an-optimizer", kind="type")
    if resume_at is not None:
        expect(got["loaded"] == "ok", "MomentumSGD's state_dict cannot be read back with "
                                      f"torch.load(weights_only=True) ({got['loaded']}): keep only tensors and "
                                      "numbers in the optimizer state",
               f"{tag}:{got['loaded']}", kind="state")
    if got.get("grad_changed") is not None:
        step, index = got["grad_changed"]
        raise CheckFailed(f"MomentumSGD({what}): step {step + 1} changed {names[index]}.grad; an optimizer only reads "
                          "the gradients (torch.optim.SGD never writes to them). Is the velocity the gradient tensor "
                          "itself (state = p.grad, without .clone())? Then updating it in place rewrites p.grad, and "
                          "zero_grad(set_to_none=False) or the next backward() rewrites the velocity",
                          f"{tag}:grad-changed:step{step + 1}", kind="training")
    trajectory = got["trajectory"]
    before = start
    for step, wanted in enumerate(expected["trajectory"]):
        expect(step < len(trajectory), f"MomentumSGD({what}): the run stopped after {len(trajectory)} steps",
               f"{tag}:stopped:{step}")
        for index, (g, e) in enumerate(zip(trajectory[step], wanted)):
            summary = mismatch_summary(g, e, rtol=RTOL, atol=ATOL)
            if summary is None:
                continue
            category = _category(trajectory[step], wanted, before)
            raise CheckFailed(f"MomentumSGD({what}): after step {step + 1}, {names[index]} differs from "
                              f"torch.optim.SGD({what})'s: {summary}" +
                              (" (the step did not move the parameters at all)" if category == "unchanged" else
                               f" (the whole step is {category.split(':')[1]} times the right one)"
                               if category.startswith("scaled") else ""),
                              f"{tag}:step{step + 1}:{names[index]}:{category}", kind="training")
        before = trajectory[step]
    return got


def check_plain_sgd(learner):
    """With momentum=0 each step is p ← p − lr·∇p (6 steps on a small two-layer net, equal to
    torch.optim.SGD's)."""
    _expect_same_trajectory(learner, "lr=0.1", "plain", settings=dict(lr=0.1))


def check_momentum(learner):
    """With momentum μ = 0.9 (on W1 and W2, two parameters of the same shape) the velocity v ← μ·v + ∇p is
    kept between steps and p ← p − lr·v, the first velocity being the gradient itself (equal to
    torch.optim.SGD(momentum=0.9))."""
    _expect_same_trajectory(learner, "lr=0.05, momentum=0.9", "momentum", groups=[([0, 1], {})],
                            settings=dict(lr=0.05, momentum=0.9), seed=1)


def check_dampening(learner):
    """With dampening τ = 0.3 the velocity is v ← μ·v + (1 − τ)·∇p, except the first, which is the
    undamped gradient (as in torch.optim.SGD)."""
    _expect_same_trajectory(learner, "lr=0.05, momentum=0.9, dampening=0.3", "dampening",
                            settings=dict(lr=0.05, momentum=0.9, dampening=0.3), seed=2)


def check_nesterov(learner):
    """With nesterov=True the step looks ahead: p ← p − lr·(∇p + μ·v), with v updated first."""
    _expect_same_trajectory(learner, "lr=0.05, momentum=0.9, nesterov=True", "nesterov",
                            settings=dict(lr=0.05, momentum=0.9, nesterov=True), seed=3)


def check_weight_decay(learner):
    """weight_decay λ is added to the gradient BEFORE the velocity (g = ∇p + λ·p), with and without
    momentum."""
    for seed, settings in enumerate([dict(lr=0.1, weight_decay=0.1),
                                     dict(lr=0.05, momentum=0.9, weight_decay=0.1)]):
        what = ", ".join(f"{k}={v}" for k, v in settings.items())
        _expect_same_trajectory(learner, what, f"decay{seed}", settings=settings, seed=4 + seed)


def check_param_groups(learner):
    """Two param groups: [W1, b] uses the defaults (lr=0.05, momentum=0.9), [W2] its own lr=0.2 and
    momentum=0.5; each group steps with its own settings."""
    groups = [([0, 2], {}), ([1], dict(lr=0.2, momentum=0.5))]
    _expect_same_trajectory(learner, "[{W1, b}, {W2, lr=0.2, momentum=0.5}], lr=0.05, momentum=0.9", "groups",
                            groups=groups, settings=dict(lr=0.05, momentum=0.9), seed=6)


def check_parameter_without_gradient(learner):
    """A parameter the loss does not use (its .grad is None, like a frozen one) is left as it is, and the
    others still step."""
    groups = [([0, 1, 2, 3], {})]
    _expect_same_trajectory(learner, "lr=0.05, momentum=0.9, weight_decay=0.01, with an unused parameter",
                            "unused", groups=groups, settings=dict(lr=0.05, momentum=0.9, weight_decay=0.01), seed=7)


def check_gradients_only_read(learner):
    """With gradients zeroed in place (zero_grad(set_to_none=False), so the same .grad tensors live on) and
    accumulated over two backward passes per step, the run equals torch.optim.SGD's, with and without weight
    decay, and step() never changes p.grad (the velocity is a tensor of its own, not p.grad itself)."""
    for seed, settings in enumerate([dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, weight_decay=0.1)]):
        what = ", ".join(f"{k}={v}" for k, v in settings.items())
        _expect_same_trajectory(learner, f"{what}; zero_grad(set_to_none=False), 2 backward passes per step",
                                f"accumulate{seed}", settings=settings, seed=9 + seed, accumulate=2)


def check_state_dict_round_trip(learner):
    """optimizer.state_dict() after 3 steps, saved with torch.save and read back with
    torch.load(weights_only=True), loads into a fresh MomentumSGD that continues exactly like the
    uninterrupted run (the velocities are optimizer state)."""
    _expect_same_trajectory(learner, "lr=0.05, momentum=0.9, resumed from a state_dict after 3 steps", "resume",
                            settings=dict(lr=0.05, momentum=0.9), seed=8, resume_at=3)


@observer
def _delegation(learner) -> dict:
    """Runs next to the learner's code: one step, with torch.optim.SGD's own update functions replaced by
    counters (looked up at call time, so an import under another name is counted too)."""
    import torch.optim.sgd as sgd_module

    names = [n for n in ("_single_tensor_sgd", "_multi_tensor_sgd", "_fused_sgd") if hasattr(sgd_module, n)]
    calls = []
    originals = {n: getattr(sgd_module, n) for n in names}

    def counting(name):
        def run(*args, **kwargs):
            calls.append(name)
            return originals[name](*args, **kwargs)
        return run
    p = torch.ones(3, requires_grad=True)
    optimizer = learner.MomentumSGD([p], lr=0.1, momentum=0.9)
    p.grad = torch.full((3,), 0.5)
    try:
        for n in names:
            setattr(sgd_module, n, counting(n))
        optimizer.step()
    finally:
        for n, fn in originals.items():
            setattr(sgd_module, n, fn)
    return {"subclass": isinstance(optimizer, torch.optim.SGD), "calls": sorted(set(calls))}


def check_written_by_hand(learner):
    """MomentumSGD does the update itself: it is not torch.optim.SGD (nor a subclass of it) and step()
    does not call SGD's update functions."""
    got = _delegation(learner)
    expect(not got["subclass"] and not got["calls"],
           "MomentumSGD " + ("subclasses torch.optim.SGD" if got["subclass"] else
                             f"calls torch.optim.SGD's update ({', '.join(got['calls'])})") +
           ": that is the optimizer this challenge asks you to write; subclass torch.optim.Optimizer and write the "
           "update in step()", f"delegated:{got['subclass']}:{got['calls']}", kind="delegated")

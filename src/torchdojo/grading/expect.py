"""What checks are written with: the learner's code through proxies, and assertions that judge it.

A check is a function ``check_<something>(learner)`` in a challenge's checks.py; its docstring's
first line is what the learner reads. It runs in the grader, never in the learner's process:
`learner` is a :class:`~torchdojo.grading.remote.Remote` for the learner's module, calls on it run
the learner's code over there and bring back plain data, and everything the verdict depends on
(inputs, expected values, comparisons) is computed here::

    def check_matches_builtin(learner):
        \"\"\"HuberLoss(delta) equals F.huber_loss for several deltas.\"\"\"
        pred, target = randn(rng(0), 8, 5), randn(rng(1), 8, 5)
        for delta in (0.5, 1, 2.0):   # an int where a float is natural, too
            expect_close(learner.HuberLoss(delta)(pred, target), F.huber_loss(pred, target, delta=delta),
                         what=f"HuberLoss({delta})")

Every call also checks that the learner's code left its tensor arguments unchanged. Each
assertion raises :class:`CheckFailed` with a sentence a learner can act on, a fingerprint (to
recognise a known mistake: it names the function and the argument) and a `kind` (to diagnose an
unknown one; see :data:`torchdojo.grading.diagnostics.GENERIC`).
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import torch

from torchdojo.grading.diagnostics import fingerprint, mismatch_summary
from torchdojo.grading.remote import (LearnerRaised, Measurement, Remote, allow_inplace, current_session, describe,
                                      grad_request, is_remote, learner_seeded, measure_call, observer, remote_type,
                                      requires_grad)
from torchdojo.seeding import generator

__all__ = [
    "CheckFailed", "allow_inplace", "describe", "expect", "expect_close", "expect_dtype", "expect_finite",
    "expect_grad_close", "expect_gradients", "expect_hooks_fire", "expect_loads", "expect_module", "expect_not_delegated", "expect_raises", "expect_sane_init",
    "expect_shape", "expect_state_dict_compatible", "expect_tensor", "expect_unchanged", "expect_vectorised",
    "grad", "learner_cpu_seconds", "measure", "observer", "randn", "requires_grad", "rng", "scratch_dir", "seeded", "sizes",
]

# torch.testing.assert_close's documented defaults (rtol, atol) per dtype
TOLERANCES = {torch.float16: (1e-3, 1e-5), torch.bfloat16: (1.6e-2, 1e-5), torch.float32: (1.3e-6, 1e-5),
              torch.float64: (1e-7, 1e-7), torch.complex64: (1.3e-6, 1e-5), torch.complex128: (1e-7, 1e-7)}


class CheckFailed(AssertionError):
    """A check's verdict that the learner's answer is wrong."""

    def __init__(self, message: str, fingerprint: str | None = None, kind: str = "value"):
        super().__init__(message)
        self.message = message
        self.fingerprint = message if fingerprint is None else fingerprint
        self.kind = kind


def expect(condition: object, message: str, fingerprint: str | None = None, kind: str = "value") -> None:
    """Fail with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message, fingerprint, kind)


# --- inputs -----------------------------------------------------------------------------------


def rng(seed: int) -> torch.Generator:
    """A private generator for a check's inputs; nobody's global RNG is touched."""
    return generator(seed)


def randn(generator: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(shape, generator=generator, dtype=dtype)  # a tuple, so () gives a 0-dim tensor


def sizes(seed: int, count: int, low: int = 2, high: int = 9) -> list[int]:
    """`count` distinct sizes in [low, high], drawn from a private generator: random shapes catch
    hard-coded ones, distinct ones catch a transpose that a square shape would hide."""
    span = high - low + 1
    if count > span:
        raise ValueError(f"cannot draw {count} distinct sizes from [{low}, {high}]")
    return [int(s) + low for s in torch.randperm(span, generator=rng(seed))[:count]]


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block with the global RNG seeded, here and in the learner's process (for code that
    draws from it, such as a module's weight init), restoring both afterwards."""
    with torch.random.fork_rng(devices=[]), learner_seeded(seed):
        torch.manual_seed(seed)
        yield


# --- values -----------------------------------------------------------------------------------


def expect_tensor(got: Any, what: str) -> torch.Tensor:
    expect(isinstance(got, torch.Tensor), f"{what} should be a torch.Tensor, got {remote_type(got)}",
           f"type:{what}:{remote_type(got)}", kind="type")
    return got


def expect_shape(got: Any, shape: tuple[int, ...] | torch.Size, what: str = "output") -> None:
    expect_tensor(got, what)
    got_shape, shape = tuple(got.shape), tuple(shape)
    singleton = [s for s in got_shape if s != 1] == [s for s in shape if s != 1]
    expect(got_shape == shape, f"{what} has shape {got_shape}, expected {shape}", f"shape:{what}:{got_shape}",
           kind="singleton" if singleton else "shape")


def expect_dtype(got: torch.Tensor, dtype: torch.dtype, what: str = "output") -> None:
    expect(got.dtype == dtype, f"{what} has dtype {got.dtype}, expected {dtype}", f"dtype:{what}:{got.dtype}",
           kind="float64" if got.dtype == torch.float64 else "dtype")


def expect_finite(got: torch.Tensor, what: str = "output", kind: str = "value") -> None:
    """No NaN or inf anywhere; names the first bad index."""
    bad = ~torch.isfinite(got)
    if bad.any():
        index = tuple(int(i) for i in bad.nonzero()[0])
        found = "NaN" if torch.isnan(got[index]) else "inf"
        raise CheckFailed(f"{what} contains {int(bad.sum())} non-finite values (first: {found} at index "
                          f"{index if len(index) != 1 else index[0]})", f"nonfinite:{what}:{int(bad.sum())}", kind)


def expect_close(got: Any, expected: torch.Tensor, what: str = "output", *, rtol: float | None = None,
                 atol: float | None = None, check_dtype: bool = True, kind: str = "value") -> None:
    """Type, shape, dtype, finiteness, then values, each failure with its own precise sentence.
    Tolerances default to torch.testing's for the expected dtype."""
    expect_tensor(got, what)
    expect_shape(got, expected.shape, what)
    if check_dtype:
        expect_dtype(got, expected.dtype, what)
    default_rtol, default_atol = TOLERANCES.get(expected.dtype, (0.0, 0.0))
    rtol, atol = default_rtol if rtol is None else rtol, default_atol if atol is None else atol
    if torch.isfinite(expected).all():
        expect_finite(got, what, kind="nonfinite-grad" if kind == "grad" else kind)
    summary = mismatch_summary(got, expected, rtol=rtol, atol=atol)
    if summary is not None:
        raise CheckFailed(f"{what} is wrong: {summary}", f"{what}|{fingerprint(got)}", kind)


def expect_unchanged(before: torch.Tensor, after: torch.Tensor, what: str) -> None:
    """A tensor was not modified in place (every call checks its own arguments already)."""
    expect(torch.equal(before, after), f"{what} was modified in place; return a new tensor instead of changing it",
           f"inplace:{what}", kind="inplace")


# --- gradients --------------------------------------------------------------------------------


def grad(outputs: Any, inputs: Iterable[torch.Tensor], upstream: Any = None,
         what: str = "the output") -> list[torch.Tensor | None]:
    """Gradients of the learner's `outputs` with respect to `inputs` (tensors the learner's code was
    given or returned, e.g. parameters read off its module), computed by autograd on the learner's
    graph: ``torch.autograd.grad(outputs, inputs, upstream, allow_unused=True)``."""
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    for output in outputs:
        expect_tensor(output, what)
    upstream = None if upstream is None else list(upstream) if isinstance(upstream, (list, tuple)) else [upstream]
    for output, vector in zip(outputs, upstream or [torch.ones(())] * len(outputs)):
        expect_shape(output, vector.shape, what)  # backward needs one upstream value per output element
    result = grad_request(outputs, list(inputs), upstream, what)
    expect(result != "detached",
           f"{what} does not require grad, so backward() cannot reach the inputs: the result was cut from the "
           "graph (torch.tensor(...), .item(), float(), .detach() or NumPy) or nothing in it needs a gradient",
           f"detached:{what}", kind="detached")
    if not isinstance(result, list):
        raise CheckFailed(f"gradients of {what} could not be read", f"nograd:{what}", kind="grad")
    return result


def expect_grad_close(got: torch.Tensor | None, expected: torch.Tensor, what: str, **tolerances: float) -> None:
    """A gradient from :func:`grad` exists and matches `expected` (finite where torch's is)."""
    expect(got is not None, f"{what} received no gradient: is it part of the computation, and does it require "
                            "grad?", f"nograd:{what}", kind="grad")
    expect_close(got, expected, what=f"the gradient of {what}", kind="grad", **tolerances)


# Errors that only arguments requiring grad provoke: (words in the message, kind, the usual cause)
GRAD_ERRORS = [("numpy()", "detached", "the computation goes through NumPy, which autograd cannot follow; use torch "
                "operations on the arguments themselves"),
               ("in-place operation", "inplace", "an argument is changed in place; compute a new tensor instead")]


def expect_gradients(fn: Remote, inputs: list[torch.Tensor], reference: Callable[..., torch.Tensor], what: str,
                     names: Iterable[str] | None = None, upstream: torch.Tensor | None = None,
                     **tolerances: float) -> None:
    """``fn(*inputs)``'s gradients for every input equal those of the grader's ``reference(*inputs)``,
    with an `upstream` gradient (random in practice: ones would hide a wrong sign per element).
    Errors that only inputs requiring grad provoke (NumPy, in-place on a leaf) are named as such."""
    inputs = [t.detach().clone().requires_grad_() for t in inputs]
    expected_output = reference(*inputs)
    upstream = torch.ones_like(expected_output) if upstream is None else upstream
    expected = torch.autograd.grad((expected_output * upstream).sum(), inputs, allow_unused=True)
    try:
        got = grad(fn(*inputs), inputs, upstream, what=f"{what}(...)")
    except LearnerRaised as exc:
        message = exc.info.get("message", "").rstrip(".")
        known = [(kind, cause) for words, kind, cause in GRAD_ERRORS if words in message]
        if not known:
            raise  # not about gradients: reported as the error it is, with its traceback
        (kind, cause), error = known[0], exc.info.get("type")
        raise CheckFailed(f"{what} raised {error} once its arguments require grad: {message}; {cause}"
                          f"\n{exc.info.get('traceback', '')}".rstrip(), f"grad-raised:{what}:{kind}",
                          kind=kind) from None
    names = list(names) if names is not None else [f"argument #{i + 1}" for i in range(len(inputs))]
    for name, got_grad, expected_grad in zip(names, got, expected):
        if expected_grad is not None:
            expect_grad_close(got_grad, expected_grad, what=f"`{name}` in {what}", **tolerances)


# --- how the code computes -------------------------------------------------------------------


def measure(fn: Remote, *args: Any, **kwargs: Any) -> tuple[Any, Measurement]:
    """Call the learner's `fn` while counting its torch calls (by name) and the lines of its own code run."""
    return measure_call(fn, *args, **kwargs)


def expect_vectorised(fn: Remote, make_args: Callable[[int], tuple], sizes: tuple[int, int] = (4, 32),
                      what: str = "your function", dimension: str = "rows") -> None:
    """Neither the torch calls nor the lines of the learner's own code run grow with the input
    size (no Python loop, whether over torch, NumPy or plain numbers). Call it once per dimension."""
    (_, small), (_, large) = (measure(fn, *make_args(n)) for n in sizes)
    grows = large.torch_calls > small.torch_calls or large.lines > small.lines
    expect(not grows, f"{what} makes {small.torch_calls} torch calls and runs {small.lines} lines of your code for "
                      f"{sizes[0]} {dimension}, but {large.torch_calls} calls and {large.lines} lines for {sizes[1]}: "
                      "it loops in Python; use broadcasting so the whole computation is a few tensor operations",
           f"loops:{what}:{dimension}", kind="loops")


def expect_not_delegated(measurement: Measurement, forbidden: Iterable[str], what: str, instead: str) -> None:
    """The learner's code did not call the built-in the challenge asks them to write (seen through
    torch's function dispatch, by name: however it was reached, ``F.huber_loss`` is ``huber_loss``)."""
    banned = {_canonical(name) for name in forbidden}
    called = sorted({name for name in measurement.functions if _canonical(name) in banned})
    expect(not called, f"{what} calls {', '.join(called)}: that is the built-in this challenge asks you to write "
                       f"yourself, so it cannot count; {instead}", f"delegated:{what}:{called}", kind="delegated")


def _canonical(name: str) -> str:
    """A function's name without the marks of its private or namespaced spellings: ``torch._log_softmax``
    and ``torch.special.log_softmax`` reach the same kernel as ``log_softmax``."""
    return name.lstrip("_").removeprefix("special_")


def learner_cpu_seconds() -> float | None:
    """CPU seconds the learner's processes have used so far in this grading (None where /proc is missing):
    time a training budget by the difference around the call, which load on the machine does not inflate."""
    return current_session().sandbox.cpu_seconds()


def scratch_dir() -> Path:
    """This grading's own empty folder (removed afterwards), where the learner's process runs: give
    the learner's code paths in it to write plots, checkpoints and logs, then judge the files here.
    A folder submission's files are laid out in it."""
    return Path(current_session().submission.workdir)


def expect_raises(error: str, fn: Remote, *args: Any, what: str, **kwargs: Any) -> None:
    """Calling the learner's `fn` raises an exception of type name `error`."""
    try:
        fn(*args, **kwargs)
    except LearnerRaised as exc:
        raised = exc.info.get("type", "")
        expect(raised == error, f"{what} raised {raised}, expected {error}", f"raised:{what}:{raised}")
        return
    raise CheckFailed(f"{what} did not raise; expected {error}", f"noraise:{what}")


# --- modules ----------------------------------------------------------------------------------


def expect_module(obj: Any, what: str) -> dict:
    """An nn.Module whose computation lives in forward (so hooks fire and nn.Sequential works),
    not in an overridden __call__. Returns its description."""
    expect(is_remote(obj), f"{what} is a {remote_type(obj)}, not an nn.Module", f"type:{what}", kind="type")
    facts = describe(obj)
    expect(facts.get("module") is True, f"{what} is a {facts.get('type')}, not an nn.Module: subclass nn.Module "
                                        "and put the computation in forward", f"type:{what}", kind="type")
    expect(not facts.get("overrides_call"), f"{what} overrides __call__: put the computation in forward, so that "
                                            "hooks, nn.Sequential and torch.compile see it", f"call:{what}")
    expect(facts.get("defines_forward"), f"{what} does not define forward", f"noforward:{what}")
    return facts


def expect_state_dict_compatible(model: Remote, reference: torch.nn.Module, what: str) -> None:
    """Same state_dict keys, shapes and dtypes as `reference` (no unexpected parameters or buffers),
    and each loads into the other with strict=True."""
    theirs = model.state_dict()
    expect(isinstance(theirs, dict), f"{what}.state_dict() is not a dict", f"state:{what}:type", kind="state")
    ours = reference.state_dict()
    layout = {k: (tuple(v.shape), v.dtype) for k, v in theirs.items() if isinstance(v, torch.Tensor)}
    wanted = {k: (tuple(v.shape), v.dtype) for k, v in ours.items()}
    for key in sorted(set(wanted) | set(layout)):
        expect(key in layout, f"{what}.state_dict() has no {key!r} (expected keys: {sorted(wanted)})",
               f"state:{what}:missing:{key}", kind="state")
        expect(key in wanted, f"{what}.state_dict() has an unexpected {key!r} (expected keys: {sorted(wanted)}): "
                              "a parameter or buffer the reference does not have", f"state:{what}:extra:{key}",
               kind="state")
        expect(layout[key] == wanted[key], f"{what}.state_dict()[{key!r}] has shape {layout[key][0]} and dtype "
                                           f"{layout[key][1]}, expected {wanted[key][0]} and {wanted[key][1]}",
               f"state:{what}:{key}:{layout[key]}", kind="state")
    expect_loads(model, ours, f"{what}.load_state_dict(reference.state_dict())")
    reference.load_state_dict({k: v for k, v in theirs.items()}, strict=True)


def expect_loads(model: Remote, state: dict, what: str) -> None:
    """``model.load_state_dict(state)`` (strict) succeeds; a failure says which key and why."""
    try:
        model.load_state_dict(state)
    except LearnerRaised as exc:
        detail = exc.info.get("detail") or exc.info.get("message", "")
        raise CheckFailed(f"{what} failed: {detail}", f"state:{what}:load", kind="state") from None


def expect_sane_init(first: Remote, second: Remote, what: str, limit: float = 100.0) -> None:
    """Two fresh modules (built under different seeds) hold finite, moderate values, and their
    weight matrices are random: not uninitialised memory (torch.empty, torch.Tensor(n, m)), not
    all zeros. Any scheme a course teaches (randn, uniform, Kaiming, zeros for a bias) passes."""
    states = [first.state_dict(), second.state_dict()]
    for key, value in states[0].items():
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            continue
        name = f"{what}.{key}"
        expect_finite(value, f"{name} of a fresh module", kind="init")
        biggest = float(value.abs().max()) if value.numel() else 0.0
        expect(biggest <= limit, f"{name} of a fresh module holds {biggest:.3g}: uninitialised memory "
                                 "(torch.empty, torch.Tensor(n, m))? Initialise it, e.g. with torch.randn or "
                                 "nn.init", f"init:{name}:large", kind="init")
        if value.dim() >= 2 and value.numel() > 1:
            other = states[1].get(key)
            expect(bool(value.abs().sum() > 0), f"{name} of a fresh module is all zeros: every unit then computes "
                                                "the same thing and learns the same thing; initialise weights "
                                                "randomly", f"init:{name}:zeros", kind="init")
            expect(not (isinstance(other, torch.Tensor) and torch.equal(other, value)),
                   f"{name} is identical in two modules built under different seeds: it is not randomly "
                   "initialised (uninitialised memory or a constant)", f"init:{name}:constant", kind="init")


@observer
def _call_with_hook(module: Any, *args: Any) -> tuple[Any, bool]:
    """Runs next to the learner's code: call `module` with a forward hook attached; (output, fired)."""
    fired = []
    handle = module.register_forward_hook(lambda *_: fired.append(True))
    try:
        return module(*args), bool(fired)
    finally:
        handle.remove()


def expect_hooks_fire(module: Remote, *args: Any, what: str) -> Any:
    """Call the learner's module with a forward hook attached: the hook fires (the computation goes
    through forward). Returns the output."""
    output, fired = _call_with_hook.labelled(what, module, *args)
    expect(fired is True, f"a forward hook on {what} never fired: the computation does not go through forward "
                          "(override forward, not __call__)", f"nohook:{what}", kind="type")
    return output


# What a tensor of one device meeting a tensor of another raises (the messages of PyTorch's device checks);
# other errors on meta tensors (an .item(), an `if tensor.any():`) only say the code needs values.
DEVICE_ERRORS = ("is not on the expected device", "Expected all tensors to be on the same device")


def meta_tensor(*shape: int, dtype: str = "float32") -> dict:
    """A tensor the learner's process creates on the meta device."""
    return {"shape": list(shape), "dtype": dtype}


@observer
def _on_meta(module, args: list, kwargs: dict) -> list:
    """Runs next to the learner's code: `module` moved to PyTorch's "meta" device (shapes and dtypes, no data)
    and called on meta tensors (each {"shape", "dtype"} among args and kwargs); the devices it returned."""
    from torchdojo.grading.operands import OperandWitness

    def make(spec):
        return torch.empty(spec["shape"], dtype=getattr(torch, spec["dtype"]), device="meta") \
            if isinstance(spec, dict) else spec

    module.to("meta")
    with OperandWitness():  # a failing operation names its operands' shapes and devices
        out = module(*[make(a) for a in args], **{k: make(v) for k, v in kwargs.items()})
    return [str(t.device) if isinstance(t, torch.Tensor) else type(t).__name__
            for t in (out if isinstance(out, (tuple, list)) else [out])]


def expect_on_input_device(module: Remote, what: str, args: list, kwargs: dict, make_it: str) -> None:
    """`module` called on meta tensors (`meta_tensor` among `args` and `kwargs`) mixes in no tensor of another
    device, and returns meta tensors: what a GPU would demand, checked without one. `make_it` shows how
    to create a tensor on the input's device, in the challenge's names."""
    try:
        devices = _on_meta.labelled(f"{what} on meta tensors", module, args, kwargs)
    except LearnerRaised as exc:
        message = str(exc.info.get("message", ""))
        if not any(words in message for words in DEVICE_ERRORS):
            return  # code that reads values cannot run on meta tensors: nothing to judge here
        where, operands = str(exc.info.get("location", "")), str(exc.info.get("operands", ""))
        raise CheckFailed(
            f"{what}, run on tensors of PyTorch's \"meta\" device (shapes without data: the grader's stand-in for "
            f"a GPU), raised {exc.info.get('type', 'an error')}: {message}"
            f"{f' at {where}' if where else ''}{f' ({operands})' if operands else ''}. A tensor made inside "
            "forward without device= (torch.ones(...), torch.zeros(...), torch.tril(torch.ones(...)), "
            "torch.arange(...)) lives on the CPU, and on a GPU this line fails the same way; create it on the "
            f"input's device: {make_it}", f"device:{what}",
            kind="device") from None
    expect(all(device == "meta" for device in devices),
           f"{what}, run on tensors of PyTorch's \"meta\" device, returned tensors on {devices}: part of the result "
           "was computed on another device than the input's (a .cpu(), or a tensor made without device=)",
           f"device:{what}:returned", kind="device")

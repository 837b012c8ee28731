"""The grader's view of the learner's code: proxies that call into the learner's process.

A check receives ``learner``, a :class:`Remote` for the learner's module, and uses it like the real
thing::

    loss = learner.HuberLoss(delta=2.0)      # a Remote: the module lives in the learner's process
    got = loss(prediction, target)           # a plain torch.Tensor, rebuilt from bytes here
    (g,) = grad(got, [prediction])           # autograd runs there, on the learner's graph

Tensors come back as plain tensors; anything else (a module, a function, a NumPy array) stays in
the learner's process behind a Remote. Every call also brings back the tensors it was given, and a
call that changed one fails the check: inputs are never mutated unless a check says otherwise
(:func:`allow_inplace`). Code that must run next to the learner's (build a model from parts,
train a few steps) is written in checks.py as an :func:`observer`: trusted code whose result is
plain data that the grader then judges.
"""
from __future__ import annotations

import contextlib
import functools
import os
import selectors
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import torch

from torchdojo.grading import channel
from torchdojo.grading import observer as learner_side
from torchdojo.grading.sandbox import Sandbox
from torchdojo.grading.submission import Submission


class GradingStop(BaseException):
    """The learner's process cannot go on with this check (a BaseException, so that a check's own
    ``except Exception`` cannot swallow it)."""


class LearnerRaised(GradingStop):
    def __init__(self, info: dict):
        super().__init__(str(info.get("message", "")))
        self.info = info


class LearnerGone(GradingStop):
    """The learner's process ended (crash, os._exit, killed)."""


class TimedOut(GradingStop):
    """The check's time ran out."""


class Tampered(GradingStop):
    """What came back is malformed: the channel was tampered with or broke."""


class LoadFailed(Exception):
    def __init__(self, message: str, location: str, info: dict | None = None):
        super().__init__(message)
        self.message, self.location, self.info = message, location, info or {}


@dataclass
class Measurement:
    """What one call did: calls through torch's function dispatch, by name (``"huber_loss"``,
    ``"cdist"``, ``"__add__"``), and lines run in the learner's own code."""

    functions: dict[str, int] = field(default_factory=dict)
    lines: int = 0

    @property
    def torch_calls(self) -> int:
        return sum(self.functions.values())


_session: "Session | None" = None


def current_session() -> "Session":
    if _session is None:
        raise RuntimeError("learner code can only be called while a check runs")
    return _session


class Remote:
    """An object in the learner's process. Attribute access and calls are requests."""

    def __init__(self, session: "Session", handle: int, type_name: str, label: str, is_module: bool = False):
        object.__setattr__(self, "_remote", (session, handle, type_name, label, is_module))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        session, handle, _, label, _ = self._remote
        try:
            return session.request({"op": "getattr", "target": handle, "name": name},
                                   label=f"{label}.{name}" if label else name)
        except LearnerRaised as exc:  # so that hasattr(), dict() and getattr(x, n, default) work
            if exc.info.get("type") == "AttributeError":
                raise AttributeError(exc.info.get("message", name)) from None
            raise

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        session, handle, _, label, _ = self._remote
        return session.call(handle, args, kwargs, label=label)

    def __iter__(self) -> Iterator[Any]:
        session, handle, _, label, _ = self._remote
        return iter(session.request({"op": "iterate", "target": handle}, label=f"list({label})"))

    def __len__(self) -> int:
        session, handle, _, label, _ = self._remote
        try:
            size = session.request({"op": "len", "target": handle}, label=f"len({label})")
        except LearnerRaised as exc:  # no len() there (a generator): list() then just iterates
            if exc.info.get("type") == "TypeError":
                raise TypeError(exc.info.get("message", "no len()")) from None
            raise
        if type(size) is not int or size < 0:
            raise Tampered("a length that is not a count")
        return size

    def __repr__(self) -> str:
        return f"<learner's {self._remote[2]}>"


def remote_type(value: Any) -> str:
    """The type name of a value as the learner's process had it (for messages)."""
    if isinstance(value, Remote):
        return value._remote[2].rsplit(".", 1)[-1]
    if isinstance(value, torch.Tensor) and _session is not None and id(value) in _session.metas:
        return _session.metas[id(value)][1].type_name
    return type(value).__name__


def describe_value(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor{tuple(value.shape)}" if value.dim() else f"tensor({value.item():.4g})"
    if isinstance(value, Remote):
        return value._remote[3] or "learner"
    text = repr(value)
    return text if len(text) <= 20 else text[:17] + "..."


def call_label(label: str, args: tuple, kwargs: dict) -> str:
    parts = [describe_value(a) for a in args] + [f"{k}={describe_value(v)}" for k, v in kwargs.items()]
    return f"{label}({', '.join(parts)})"


class Session:
    """One learner process, driven by requests; every wait ends at `deadline`."""

    def __init__(self, sandbox: Sandbox, submission: Submission, output: Any,
                 on_progress: Callable[[dict], None] | None = None):
        self.sandbox, self.submission, self.output = sandbox, submission, output
        self.on_progress = on_progress
        self.selector = selectors.DefaultSelector()
        self.selector.register(sandbox.channel.fileno(), selectors.EVENT_READ, "channel")
        self.selector.register(sandbox.output_fd, selectors.EVENT_READ, "output")
        self.reader = channel.FrameReader(sandbox.channel.fileno(), self.pump)
        self.deadline = float("inf")
        self.next_id = 1
        self.from_learner: dict[int, tuple[torch.Tensor, int, int]] = {}  # id -> (tensor, handle, version)
        self.sent: dict[int, tuple[torch.Tensor, int]] = {}  # id of a tensor we sent -> its copy there
        self.metas: dict[int, tuple[torch.Tensor, channel.TensorMeta]] = {}
        self.inplace_allowed = False
        self.root = Remote(self, 0, "module", "")

    @classmethod
    def open(cls, submission: Submission, entry: tuple[str, ...], memory_mb: int, output: Any,
             deadline: float, on_progress: Callable[[dict], None] | None = None) -> "Session":
        sandbox = Sandbox.start(lambda fd: learner_side.serve(fd, submission, entry), memory_mb)
        session = cls(sandbox, submission, output, on_progress)
        session.deadline = deadline
        return session

    def wait_loaded(self) -> None:
        """Raise LoadFailed (or a GradingStop) unless the learner's file loaded with its names."""
        frame = self._read()
        if frame.header.get("ok") is True:
            return
        message, location = frame.header.get("load_error"), frame.header.get("location", "")
        if not isinstance(message, str) or not isinstance(location, str):
            raise Tampered("the first answer is not a load report")
        info = frame.header.get("error")
        raise LoadFailed(message[:20_000], location[:200], info if isinstance(info, dict) else None)

    # --- the event loop -------------------------------------------------------------------------

    def pump(self, timeout: float) -> bool:
        """Wait up to `timeout` for the channel, draining the learner's output meanwhile."""
        ready = False
        for key, _ in self.selector.select(timeout=timeout):
            if key.data == "output":
                try:
                    data = os.read(key.fd, 65536)
                except BlockingIOError:
                    continue
                if data:
                    self.output.add(data)
                else:
                    self.selector.unregister(key.fd)
            else:
                ready = True
        return ready

    def drain_output(self) -> None:
        """Collect what the learner printed just before it finished (without waiting)."""
        while self.sandbox.output_fd in self.selector.get_map():
            if not any(key.data == "output" for key, _ in self.selector.select(timeout=0)):
                return
            self.pump(0)

    def _read(self) -> channel.Frame:
        """The next answer; progress notes on the way are handed to `on_progress` (display only)."""
        try:
            while True:
                frame = self.reader.read(self.deadline)
                if "progress" not in frame.header:
                    return frame
                note = progress_note(frame.header["progress"])
                if self.on_progress is not None and note:
                    self.on_progress(note)
        except channel.DeadlinePassed:
            raise TimedOut() from None
        except channel.ChannelClosed:
            raise LearnerGone() from None
        except channel.ChannelBroken as exc:
            raise Tampered(str(exc)) from None

    def close(self) -> None:
        self.drain_output()
        self.selector.close()
        self.sandbox.stop()

    # --- requests -------------------------------------------------------------------------------

    def _encode_ref(self, value: Any) -> dict | None:
        if isinstance(value, Remote):
            if value._remote[0] is not self:
                raise TypeError("a learner object from another grading")
            return {"$ref": value._remote[1]}
        if isinstance(value, torch.Tensor) and id(value) in self.from_learner:
            tensor, handle, version = self.from_learner[id(value)]
            if tensor is value and value._version == version:  # unchanged here: pass the learner's own
                return {"$ref": handle}
        return None

    def request(self, header: dict, label: str = "", extra: dict | None = None, callee: str = "") -> Any:
        """Send one request; the decoded value of the answer (or raise what went wrong)."""
        value, _, _ = self._exchange(header, label, extra or {}, callee)
        return value

    def _exchange(self, header: dict, label: str, values: dict, callee: str = "") -> tuple[Any, list, dict]:
        encoder = channel.Encoder(self._encode_ref, lambda t: {"requires_grad": bool(t.requires_grad)})
        body = {k: encoder.encode(v) for k, v in values.items()}
        sent = _tensors_in(values, self._encode_ref)
        request_id, self.next_id = self.next_id, self.next_id + 1
        try:
            channel.send_frame(self.sandbox.channel.fileno(), encoder.frame({**header, **body, "id": request_id}),
                               self.deadline)
        except channel.DeadlinePassed:
            raise TimedOut() from None
        except channel.ChannelClosed:
            raise LearnerGone() from None
        frame = self._read()
        answer = frame.header
        if answer.get("id") != request_id or type(answer.get("ok")) is not bool:
            raise Tampered("an answer out of order")
        if not answer["ok"]:
            info = answer.get("error")
            if not isinstance(info, dict) or info.get("type") == "Protocol":
                raise Tampered(str(info.get("message") if isinstance(info, dict) else "no error report")[:500])
            raise LearnerRaised({k: v[:10_000] if isinstance(v, str) else v for k, v in info.items()
                                 if isinstance(v, (str, bool))})
        decoder = channel.Decoder(frame, lambda ref: self._remote_from(ref, label))
        try:
            value = decoder.decode(answer.get("value"))
            after = decoder.decode(answer.get("inputs", []))
            extras = {k: decoder.decode(answer[k]) for k in ("measurement",) if k in answer}
        except channel.ChannelBroken as exc:
            raise Tampered(str(exc)) from None
        self._remember(frame)
        params = answer.get("params")
        params = [p[:100] for p in params if isinstance(p, str)][:100] if isinstance(params, list) else []
        self._compare_inputs(sent, after, callee or label, params)
        return value, after, extras

    def _remote_from(self, ref: dict, label: str) -> Remote:
        if "$obj" not in ref:
            raise channel.ChannelBroken("a reference where an object was expected")
        type_name = ref.get("type")
        return Remote(self, ref["$obj"], type_name if isinstance(type_name, str) else "object", label,
                      ref.get("module") is True)

    def _remember(self, frame: channel.Frame) -> None:
        for tensor, meta in zip(frame.tensors, frame.metas):
            self.metas[id(tensor)] = (tensor, meta)
            if meta.handle is not None:
                self.from_learner[id(tensor)] = (tensor, meta.handle, tensor._version)

    def _compare_inputs(self, sent: list[tuple[torch.Tensor, int | str]], after: Any, callee: str,
                        params: list[str]) -> None:
        """Every tensor we sent must come back unchanged (unless allow_inplace): an in-place edit of
        an argument is named by the function and the argument's name."""
        if not isinstance(after, list) or len(after) != len(sent):
            raise Tampered("the inputs did not come back")
        for (before, owner), now in zip(sent, after):
            if not isinstance(now, torch.Tensor):
                raise Tampered("an input came back as something else")
            self.sent[id(before)] = (before, self.metas[id(now)][1].handle)
            if self.inplace_allowed:
                continue
            same = now.shape == before.shape and now.dtype == before.dtype and torch.equal(
                torch.nan_to_num(now, nan=0.5), torch.nan_to_num(before.detach(), nan=0.5)) and bool(
                (now.isnan() == before.detach().isnan()).all())
            if not same:
                from torchdojo.grading.expect import CheckFailed
                name = owner if isinstance(owner, str) else params[owner] if owner < len(params) else f"#{owner + 1}"
                raise CheckFailed(f"{callee} changed its argument `{name}` (a {describe_value(before)}) in place: "
                                  "the caller's tensor is different after the call. Leave arguments as they are "
                                  "and return a new tensor (no `+=`, no method ending in `_` such as `.sub_()`, "
                                  "no `x[...] =` or `.data` writes on an argument)",
                                  f"inplace:{callee}:{name}", kind="inplace")

    def call(self, handle: int, args: tuple, kwargs: dict, label: str, measure: bool = False) -> Any:
        """Call the learner's object `handle` (called `label` in messages)."""
        value, _, extras = self._exchange({"op": "call", "target": handle, "measure": measure},
                                          call_label(label, args, kwargs), {"args": list(args), "kwargs": dict(kwargs)},
                                          callee=label)
        if measure:
            data = extras.get("measurement")
            if not isinstance(data, dict):
                raise Tampered("no measurement came back")
            functions, lines = data.get("functions"), data.get("lines")
            if not isinstance(functions, dict) or not all(type(v) is int for v in functions.values()) \
                    or type(lines) is not int:
                raise Tampered("a malformed measurement")
            return value, Measurement(functions, lines)
        return value

    def tensor_handle(self, tensor: Any) -> int | None:
        if isinstance(tensor, torch.Tensor):
            if id(tensor) in self.from_learner and self.from_learner[id(tensor)][0] is tensor:
                return self.from_learner[id(tensor)][1]
            if id(tensor) in self.sent and self.sent[id(tensor)][0] is tensor:
                return self.sent[id(tensor)][1]
        return None


def progress_note(data: Any) -> dict[str, int | float | str]:
    """A progress note as it may be shown: a few short, plain fields, or nothing. It comes from the
    learner's process, so it is only ever displayed, never judged."""
    if not isinstance(data, dict):
        return {}
    from torchdojo.grading.diagnostics import printable

    return {printable(str(k)[:20]): (printable(v[:80]) if isinstance(v, str) else v)
            for k, v in list(data.items())[:8] if type(v) in (int, float, str)}


def _tensors_in(values: dict, encode_ref: Callable[[Any], dict | None]) -> list[tuple[torch.Tensor, int | str]]:
    """The tensors an encoder sends by value, in the order it puts them in the frame's table, each
    with the argument it belongs to: a position in ``values["args"]``, or a keyword."""
    found: list[tuple[torch.Tensor, int | str]] = []
    seen: set[int] = set()  # the encoder sends a tensor once, however often it is passed

    def walk(v: Any, owner: int | str) -> None:
        if isinstance(v, Remote):
            return
        if isinstance(v, torch.Tensor):
            if encode_ref(v) is None and id(v) not in seen:
                seen.add(id(v))
                found.append((v, owner))
        elif type(v) in (list, tuple):
            for item in v:
                walk(item, owner)
        elif isinstance(v, dict):
            for k, item in v.items():
                walk(k, owner)
                walk(item, owner)
    for key, value in values.items():
        if key == "args":
            for position, item in enumerate(value):
                walk(item, position)
        elif key == "kwargs":
            for name, item in value.items():
                walk(name, name)
                walk(item, name)
        else:
            walk(value, key)
    return found


@contextlib.contextmanager
def active(session: Session) -> Iterator[Session]:
    global _session
    previous, _session = _session, session
    try:
        yield session
    finally:
        _session = previous


# --- what checks use ----------------------------------------------------------------------------


def observer(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run `fn` next to the learner's code (a training loop, a model built from parts) and bring
    back its plain result. Arguments that are Remotes arrive as the learner's real objects. The
    grader never trusts what it returns beyond "this is what the learner's code did": judge it
    here, with expected values computed here. ``fn.local`` is the function itself."""
    key = f"{fn.__module__}:{fn.__qualname__}"
    learner_side.OBSERVERS[key] = fn

    def labelled(label: str, *args: Any, **kwargs: Any) -> Any:
        """Run it over there; messages about the call (an input changed in place) name `label`."""
        if learner_side.IN_LEARNER_PROCESS:
            return fn(*args, **kwargs)
        return current_session().request({"op": "observe", "fn": key}, label=label, callee=label,
                                          extra={"args": list(args), "kwargs": dict(kwargs)})

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        return labelled(fn.__name__, *args, **kwargs)
    run.local = fn  # type: ignore[attr-defined]
    run.labelled = labelled  # type: ignore[attr-defined]
    return run


def grad_request(outputs: list, inputs: list, upstream: list | None, label: str) -> Any:
    session = current_session()
    handles = [session.tensor_handle(t) for t in outputs + inputs]
    if any(h is None for h in handles):
        raise ValueError("grad() needs tensors the learner's code returned or was given")
    return session.request({"op": "grad"}, label=label,
                           extra={"outputs": [Remote(session, h, "Tensor", "") for h in handles[:len(outputs)]],
                                  "inputs": [Remote(session, h, "Tensor", "") for h in handles[len(outputs):]],
                                  "upstream": upstream})


def measure_call(fn: Remote, *args: Any, **kwargs: Any) -> tuple[Any, Measurement]:
    session, handle, _, label, _ = fn._remote
    return session.call(handle, args, kwargs, label=label, measure=True)


def describe(obj: Remote) -> dict:
    session, handle, _, label, _ = obj._remote
    facts = session.request({"op": "describe", "target": handle}, label=label)
    if not isinstance(facts, dict):
        raise Tampered("a description that is not a dict")
    return facts


@contextlib.contextmanager
def learner_seeded(seed: int) -> Iterator[None]:
    """Seed the learner process's global RNG for a block, restoring it afterwards."""
    session = _session
    if session is None:
        yield
        return
    session.request({"op": "seed", "seed": int(seed)})
    try:
        yield
    finally:
        session.request({"op": "seed", "seed": None})


@contextlib.contextmanager
def allow_inplace() -> Iterator[None]:
    """For entries whose job is to change their arguments (an optimizer step, an init function)."""
    session = current_session()
    previous, session.inplace_allowed = session.inplace_allowed, True
    try:
        yield
    finally:
        session.inplace_allowed = previous


def is_remote(value: Any) -> bool:
    return isinstance(value, Remote)


def requires_grad(tensor: torch.Tensor) -> bool:
    """Whether the learner's tensor required grad (was part of an autograd graph) there."""
    session = current_session()
    entry = session.metas.get(id(tensor))
    return bool(entry and entry[0] is tensor and entry[1].requires_grad)

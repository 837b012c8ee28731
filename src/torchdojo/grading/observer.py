"""The learner's side of a grading: load the learner's code, then answer the grader's requests.

Runs only in the learner's process (see :mod:`~torchdojo.grading.sandbox`). It *observes*: it calls
the learner's code on the inputs the grader sends and answers with plain data (outputs, inputs as
they are after the call, gradients, parameter lists, operation counts). It never judges: nothing
here knows what the right answer is, so whatever the learner's code does to this process (patch
torch, rewrite this module, write to the socket) it can only change the data the grader judges.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import inspect
import linecache
import os
import sys
import sysconfig
import types
from typing import Any, Callable

import torch

from torchdojo.grading import channel
from torchdojo.grading.diagnostics import learner_traceback
from torchdojo.grading.operands import OperandWitness, operands_of
from torchdojo.grading.submission import Submission

OUT_OF_MEMORY_MARKERS = ("can't allocate memory", "not enough memory", "out of memory")
MAX_ITEMS = 10_000  # items a learner's iterable may yield to the grader
OBSERVERS: dict[str, Callable[..., Any]] = {}  # trusted code from checks.py that runs here (see remote.observer)
IN_LEARNER_PROCESS = False
_CHANNEL_FD: int | None = None  # set in the learner's process, for progress notes


def report_progress(**fields: int | float | str) -> None:
    """Tell the grader how a long check is going (``epoch=2, loss=0.41``): shown as a progress line,
    never judged. A no-op outside a grading."""
    if _CHANNEL_FD is not None:
        channel.send_frame(_CHANNEL_FD, channel.Encoder(lambda v: None, lambda t: {}).frame(
            {"progress": {k: v for k, v in fields.items() if type(v) in (int, float, str)}}))


def is_plain(value: Any) -> bool:
    """Data that crosses the channel by value (everything else stays here, behind a handle)."""
    return (value is None or type(value) in (bool, int, float, str, list, tuple, torch.Size)
            or isinstance(value, (torch.Tensor, torch.dtype, torch.device, dict)))


class Objects:
    """The learner's objects the grader holds handles to (handle 0 is the learner's module)."""

    def __init__(self, root: Any):
        self.by_handle: dict[int, Any] = {0: root}
        self.by_id: dict[int, int] = {id(root): 0}

    def handle(self, obj: Any) -> int:
        if id(obj) not in self.by_id:
            self.by_id[id(obj)] = len(self.by_handle)
            self.by_handle[len(self.by_handle)] = obj
        return self.by_id[id(obj)]

    def get(self, handle: int) -> Any:
        if handle not in self.by_handle:
            raise channel.ChannelBroken(f"unknown handle {handle}")
        return self.by_handle[handle]

    def ref(self, value: Any) -> dict | None:
        if is_plain(value):
            return None
        kind = type(value)
        return {"$obj": self.handle(value), "type": f"{kind.__module__}.{kind.__qualname__}"[:200],
                "module": isinstance(value, torch.nn.Module), "callable": callable(value)}

    def tensor_info(self, t: torch.Tensor) -> dict:
        with torch._C.DisableTorchFunctionSubclass():
            return dict(handle=self.handle(t), requires_grad=bool(t.requires_grad),
                        type=type(t).__name__[:100], device=str(t.device))


class Observer:
    """Serves one grading: a request in, an answer out, until the grader closes the channel."""

    def __init__(self, fd: int, submission: Submission, entry: tuple[str, ...]):
        self.fd, self.submission, self.entry = fd, submission, entry
        self.reader = channel.FrameReader(fd, pump=lambda timeout: True)
        self.objects: Objects | None = None
        self.rng_stack: list[Any] = []

    def send(self, header: dict, value: Any = None, extra: dict[str, Any] | None = None) -> None:
        objects = self.objects or Objects(None)
        encoder = channel.Encoder(objects.ref, objects.tensor_info)
        try:
            body = {"value": encoder.encode(value)}
            body.update({k: encoder.encode(v) for k, v in (extra or {}).items()})
        except (TypeError, ValueError, RecursionError) as exc:
            encoder = channel.Encoder(objects.ref, objects.tensor_info)
            body = {"ok": False, "error": dict(type="Unsendable", message=str(exc))}
        channel.send_frame(self.fd, encoder.frame({**header, **body}))

    def serve(self) -> None:
        root = self.load()
        if root is None:
            return
        self.objects = Objects(root)
        self.send({"ok": True})
        while True:
            try:
                frame = self.reader.read(float("inf"))
            except channel.ChannelClosed:
                return
            self.answer(frame)

    # --- loading ------------------------------------------------------------------------------

    def load(self) -> Any | None:
        """The learner's module (or namespace of objects), or None after reporting why not."""
        if self.submission.objects is not None:
            root: Any = types.SimpleNamespace(**self.submission.objects)
        else:
            root = self.load_folder() if self.submission.is_folder else self.load_source()
            if root is None:
                return None
        missing = [name for name in self.entry if not hasattr(root, name)]
        if missing:
            label = os.path.basename(self.submission.label)
            self.send({"ok": False, "load_error": f"{label} must define {', '.join(missing)} (not found); "
                                                  "keep the names the template gives", "location": ""})
            return None
        return root

    def load_source(self) -> types.ModuleType | None:
        filename, source = self.submission.label, self.submission.source or ""
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
        try:
            code = compile(source, filename, "exec")
        except (SyntaxError, ValueError) as exc:
            self.send({"ok": False, **syntax_error(exc, filename)})
            return None
        if os.path.isfile(filename):  # the learner's own helper modules sit beside their file
            sys.path.append(os.path.dirname(os.path.abspath(filename)))
        module = types.ModuleType(module_name(filename))
        module.__file__ = filename
        sys.modules[module.__name__] = module  # so pickling, dataclasses and typing can find it
        try:
            exec(code, module.__dict__)
        except BaseException as exc:  # noqa: BLE001 - the learner's module-level code
            text, where = learner_traceback(exc, self.submission.learner_files())
            self.send({"ok": False, "load_error": f"your file failed while loading:\n{text}", "location": where,
                       "error": error_info(exc, self.submission)})
            return None
        return module

    def load_folder(self) -> types.SimpleNamespace | None:
        """Import every module of a folder submission (``import model`` between them works), each
        compiled under the learner's own path so tracebacks point into their files."""
        sources = {name[:-3]: text for name, text in self.submission.source.items() if name.endswith(".py")}
        shadowing = [stem for stem in sources if stem in sys.modules or stem in sys.stdlib_module_names
                     or not stem.isidentifier()]
        if shadowing:
            name = shadowing[0] + ".py"
            self.send({"ok": False, "load_error": f"{name} cannot be imported under that name (it is not a valid "
                                                  "module name, or it would hide a Python or torch module); "
                                                  "rename it", "location": name})
            return None
        for stem, text in sources.items():
            linecache.cache[self.submission.path_of(stem + ".py")] = (len(text), None, text.splitlines(True),
                                                                    self.submission.path_of(stem + ".py"))
        sys.meta_path.insert(0, FolderFinder(sources, self.submission.path_of))
        modules = {}
        for stem in sources:
            try:
                modules[stem] = importlib.import_module(stem)
            except SyntaxError as exc:
                self.send({"ok": False, **syntax_error(exc, exc.filename or stem + ".py")})
                return None
            except BaseException as exc:  # noqa: BLE001 - the learner's module-level code
                text, where = learner_traceback(exc, self.submission.learner_files())
                self.send({"ok": False, "load_error": f"{stem}.py failed while loading:\n{text}", "location": where,
                           "error": error_info(exc, self.submission)})
                return None
        return types.SimpleNamespace(**modules)

    # --- requests -----------------------------------------------------------------------------

    def answer(self, frame: channel.Frame) -> None:
        header = frame.header
        reply = {"id": header.get("id"), "ok": True}
        try:
            decoder = channel.Decoder(frame, lambda ref: self.objects.get(ref["$ref"]))
            inputs = [t.clone().requires_grad_(m.requires_grad) if m.requires_grad else t.clone()
                      for t, m in zip(frame.tensors, frame.metas)]
            decoder.frame.tensors[:] = inputs
            op = getattr(self, "op_" + str(header.get("op")), None)
            if op is None:
                raise channel.ChannelBroken(f"unknown request {str(header.get('op'))[:30]!r}")
            value, extra = op(header, decoder)
        except channel.ChannelBroken as exc:
            self.send({**reply, "ok": False, "error": dict(type="Protocol", message=str(exc))})
            return
        except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything
            sys.stdout.flush()
            self.send({**reply, "ok": False, "error": error_info(exc, self.submission)})
            return
        sys.stdout.flush()
        self.send(reply, value, dict(extra, inputs=inputs) if extra is not None else {"inputs": inputs})

    def op_getattr(self, header: dict, decoder: channel.Decoder) -> tuple[Any, dict | None]:
        return getattr(self.objects.get(_int(header.get("target"))), str(header.get("name"))), None

    def op_call(self, header: dict, decoder: channel.Decoder) -> tuple[Any, dict | None]:
        target = self.objects.get(_int(header.get("target")))
        args, kwargs = decoder.decode(header.get("args", [])), decoder.decode(header.get("kwargs", {"$dict": []}))
        extra: dict[str, Any] = {"params": parameter_names(target)}
        with OperandWitness():  # a failing torch op names its operands' shapes, dtypes and devices
            if not header.get("measure"):
                return target(*args, **kwargs), extra
            measurement: dict[str, Any] = {}
            result = measure(lambda: target(*args, **kwargs), measurement)
        return result, dict(extra, measurement=measurement)

    def op_observe(self, header: dict, decoder: channel.Decoder) -> tuple[Any, dict | None]:
        fn = OBSERVERS.get(str(header.get("fn")))
        if fn is None:
            raise channel.ChannelBroken(f"unknown observer {str(header.get('fn'))[:80]!r}")
        args, kwargs = decoder.decode(header.get("args", [])), decoder.decode(header.get("kwargs", {"$dict": []}))
        return fn(*args, **kwargs), {"params": parameter_names(fn)}

    def op_grad(self, header: dict, decoder: channel.Decoder) -> tuple[Any, dict | None]:
        outputs, inputs = decoder.decode(header.get("outputs")), decoder.decode(header.get("inputs"))
        upstream = decoder.decode(header.get("upstream"))
        if not all(isinstance(o, torch.Tensor) and o.requires_grad for o in outputs):
            return "detached", None
        wanted = [i for i, t in enumerate(inputs) if isinstance(t, torch.Tensor) and t.requires_grad]
        found = dict(zip(wanted, vjp(outputs, [inputs[i] for i in wanted], upstream))) if wanted else {}
        return [found.get(i) for i in range(len(inputs))], None  # None: no gradient reaches it

    def op_describe(self, header: dict, decoder: channel.Decoder) -> tuple[Any, dict | None]:
        return describe(self.objects.get(_int(header.get("target")))), None

    def op_iterate(self, header: dict, decoder: channel.Decoder) -> tuple[Any, dict | None]:
        items = []
        for item in self.objects.get(_int(header.get("target"))):
            if len(items) >= MAX_ITEMS:
                raise ValueError(f"an iterable longer than {MAX_ITEMS} items")
            items.append(item)
        return items, None

    def op_len(self, header: dict, decoder: channel.Decoder) -> tuple[Any, dict | None]:
        return len(self.objects.get(_int(header.get("target")))), None

    def op_seed(self, header: dict, decoder: channel.Decoder) -> tuple[Any, dict | None]:
        if header.get("seed") is None:
            if self.rng_stack:
                torch.set_rng_state(self.rng_stack.pop())
        else:
            self.rng_stack.append(torch.get_rng_state())
            torch.manual_seed(_int(header.get("seed")))
        return None, None


class FolderFinder(importlib.abc.MetaPathFinder, importlib.abc.SourceLoader):
    """Serves a folder submission's modules from the text the grader read (not from disk, where the
    learner may be editing them), under the learner's own file names."""

    def __init__(self, sources: dict[str, str], path_of: Callable[[str], str]):
        self.sources, self.path_of = sources, path_of

    def find_spec(self, name, path=None, target=None):
        if name in self.sources:
            return importlib.util.spec_from_loader(name, self, origin=self.path_of(name + ".py"))
        return None

    def get_filename(self, name: str) -> str:
        return self.path_of(name + ".py")

    def get_data(self, path: str) -> bytes:
        stem = os.path.splitext(os.path.basename(path))[0]
        return self.sources[stem].encode("utf-8")

    def path_stats(self, path: str):  # no bytecode caching: the text is all there is
        raise OSError(path)


def vjp(outputs: list[torch.Tensor], inputs: list[torch.Tensor], upstream: list[torch.Tensor] | None) -> tuple:
    """Σ ⟨upstream, output⟩ differentiated w.r.t. `inputs` (None where nothing reaches one).
    The same as torch.autograd.grad(outputs, inputs, upstream), whose grad_outputs path imports
    sympy (0.45 s in every learner process)."""
    total = sum((o * u).sum() for o, u in zip(outputs, upstream)) if upstream is not None else sum(outputs)
    return torch.autograd.grad(total, inputs, allow_unused=True)


def parameter_names(fn: Any) -> list[str]:
    """The names of `fn`'s positional parameters (for messages about its arguments)."""
    try:
        parameters = inspect.signature(fn.forward if isinstance(fn, torch.nn.Module) else fn).parameters.values()
    except Exception:  # noqa: BLE001 - a learner's object may have any signature, or none
        return []
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][:100]


def _int(value: Any) -> int:
    if type(value) is not int:
        raise channel.ChannelBroken("bad integer field")
    return value


def module_name(filename: str) -> str:
    """The learner's module name: its file's stem, unless that would shadow a real module
    (a solution saved as ``torch.py`` must not replace torch)."""
    stem = os.path.splitext(os.path.basename(filename))[0] or "learner"
    if stem.isidentifier() and stem not in sys.modules and stem not in sys.stdlib_module_names \
            and stem not in ("torch", "numpy", "torchdojo", "torchvision"):
        return stem
    return f"learner_{stem}" if stem.isidentifier() else "learner"


def syntax_error(exc: BaseException, filename: str) -> dict:
    lineno = getattr(exc, "lineno", None)
    where = f"{os.path.basename(filename)}:{lineno}" if lineno else os.path.basename(filename)
    pointer, text = "", getattr(exc, "text", None)
    if text:
        offset = getattr(exc, "offset", None) or 1
        pointer = "\n    " + text.rstrip("\n") + "\n    " + " " * max(offset - 1, 0) + "^"
    message = getattr(exc, "msg", None) or safe_str(exc)
    return {"load_error": f"{type(exc).__name__}: {message} ({where}){pointer}", "location": where}


def safe_str(exc: BaseException, limit: int = 2000) -> str:
    """str(exc), bounded, even when the exception's __str__ raises or returns a huge string."""
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001
        return f"<{type(exc).__name__} whose message cannot be printed>"
    if not isinstance(text, str):
        return f"<{type(exc).__name__}>"
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"


def error_info(exc: BaseException, submission: Submission) -> dict:
    """What the grader needs to explain an exception raised by the learner's code."""
    try:
        text, where = learner_traceback(exc, submission.learner_files(), message=safe_str(exc))
    except BaseException:  # noqa: BLE001 - a traceback can itself be booby-trapped
        text, where = "", ""
    first = (safe_str(exc).splitlines() or [""])[0][:500]
    oom = isinstance(exc, MemoryError) or any(m in first.lower() for m in OUT_OF_MEMORY_MARKERS)
    return dict(type=type(exc).__name__[:100], message=first, detail=safe_str(exc, 1000), traceback=text[:8000],
                location=where, oom=oom, todo=isinstance(exc, NotImplementedError), operands=operands_of(exc)[:1000])


def describe(obj: Any) -> dict:
    """Plain facts about an object: its type, and for a module its parameters, buffers, children
    and whether its computation lives in ``forward``."""
    kind = type(obj)
    facts: dict[str, Any] = dict(type=kind.__qualname__, mro=[c.__qualname__ for c in kind.__mro__][:50],
                                 module=isinstance(obj, torch.nn.Module), callable=callable(obj))
    if isinstance(obj, torch.nn.Module):
        facts.update(
            parameters=[(n, list(p.shape), str(p.dtype), bool(p.requires_grad), type(p).__name__)
                        for n, p in obj.named_parameters()],
            buffers=[(n, list(b.shape), str(b.dtype)) for n, b in obj.named_buffers()],
            children=[(n, type(c).__qualname__) for n, c in obj.named_children()],
            overrides_call=kind.__call__ is not torch.nn.Module.__call__,
            defines_forward=kind.forward is not torch.nn.Module.forward, training=bool(obj.training))
    return facts


def _library_dirs() -> tuple[str, ...]:
    paths = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {os.path.dirname(os.path.dirname(torch.__file__)), os.path.dirname(os.path.dirname(__file__))}
    return tuple(os.path.abspath(p) + os.sep for p in paths)


def measure(fn: Callable[[], Any], into: dict[str, Any]) -> Any:
    """Run `fn` counting what it does: calls that go through torch's function dispatch
    (``__torch_function__``: torch functions, ``F.*``, tensor methods and operators), by name, and
    lines executed in the learner's own code (anything outside Python's and torch's libraries).
    A loop over the data shows up as counts that grow with the data, whatever it loops with.
    (A TorchDispatchMode would also see aten operations, but its first use imports torch._dynamo:
    1.5 s in every learner process.)"""
    from torch.overrides import TorchFunctionMode

    functions: dict[str, int] = {}
    library, lines = _library_dirs(), [0]

    class Functions(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            name = getattr(func, "__name__", str(func))
            functions[name] = functions.get(name, 0) + 1
            return func(*args, **(kwargs or {}))

    def trace(frame, event, arg):
        if frame.f_code.co_filename.startswith(library) or frame.f_code.co_filename.startswith("<frozen"):
            return None
        if event == "line":
            lines[0] += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        with Functions():
            result = fn()
    finally:
        sys.settrace(previous)
        into.update(functions=functions, lines=lines[0])
    return result


def serve(fd: int, submission: Submission, entry: tuple[str, ...]) -> None:
    """The learner process's main: load, then answer until the grader hangs up."""
    global IN_LEARNER_PROCESS, _CHANNEL_FD
    IN_LEARNER_PROCESS, _CHANNEL_FD = True, fd
    torch.set_num_threads(1)  # a forked child must not reuse the parent's OpenMP pool (it can hang)
    os.set_blocking(fd, True)
    if submission.workdir:  # what the learner's code writes (plots, checkpoints) lands in the scratch folder
        os.chdir(submission.workdir)
    Observer(fd, submission, entry).serve()
    sys.stdout.flush()

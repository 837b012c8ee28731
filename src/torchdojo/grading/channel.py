"""The wire between the trusted grader and the learner's process: framed, bounded, plain data only.

A frame is ``>II`` (header length, blob length), a JSON header, then a blob of raw tensor bytes.
Values are encoded as JSON with a few tagged forms::

    {"$t": i}                tensor i of the frame's table (dtype, shape, offset, nbytes, ...)
    {"$tuple": [...]}        a tuple;  [...] is a list
    {"$dict": [[k, v], ...]} a dict (keys are plain values too)
    {"$ref": h}              an object that lives in the learner's process (sent by the grader)
    {"$obj": h, "type": ...} an object that lives in the learner's process (sent by the learner)
    {"$dtype": "float32"}, {"$size": [...]}, {"$device": "cpu"}

The trusted side never unpickles anything: a tensor is rebuilt from dtype, shape and bytes as a plain
``torch.Tensor`` (never a subclass), and every field of what arrives is validated. Anything
malformed raises :class:`ChannelBroken`.
"""
from __future__ import annotations

import json
import math
import os
import selectors
import struct
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

PREFIX = struct.Struct(">II")
MAX_HEADER = 4 << 20  # bytes of JSON in one frame
MAX_BLOB = 64 << 20  # bytes of tensor data in one frame
MAX_DEPTH = 32  # nesting of containers
MAX_ITEMS = 100_000  # values in one frame
MAX_TEXT = 20_000  # characters in one string

DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
    torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)}


class ChannelBroken(Exception):
    """What arrived is not a well-formed message: the channel was tampered with or broke."""


class ChannelClosed(ChannelBroken):
    """The other side closed the channel (it exited or was killed)."""


class DeadlinePassed(Exception):
    """The other side did not answer before the deadline."""


@dataclass
class TensorMeta:
    """What the learner's side said about a tensor besides its values."""

    handle: int | None = None  # the tensor object in the learner's process
    requires_grad: bool = False
    type_name: str = "Tensor"  # e.g. "Parameter", or a subclass's name
    device: str = "cpu"


@dataclass
class Frame:
    header: dict
    tensors: list[torch.Tensor] = field(default_factory=list)
    metas: list[TensorMeta] = field(default_factory=list)


# --- encoding (either side) ---------------------------------------------------------------------


def dim_order(t: torch.Tensor) -> list[int] | None:
    """For a permuted layout (a transposed or channels-last tensor), its dimensions from outermost
    to innermost in memory, so the other side can rebuild the same strides; None when contiguous
    or not a plain permutation."""
    if t.dim() < 2 or t.is_contiguous():
        return None
    order = sorted(range(t.dim()), key=lambda d: (-t.stride(d), -t.shape[d]))
    return order if t.permute(order).is_contiguous() else None


def tensor_bytes(t: torch.Tensor, order: list[int] | None = None) -> bytes:
    """The raw bytes of a tensor (in `order`), read without calling anything a subclass overrides."""
    with torch._C.DisableTorchFunctionSubclass(), torch.no_grad():
        plain = t.detach().to("cpu")
        plain = (plain.permute(order) if order else plain).contiguous().reshape(-1)
        return plain.view(torch.uint8).numpy().tobytes() if plain.numel() else b""


class Encoder:
    """Turns a value into JSON-able data plus a tensor table; `to_ref` decides what stays remote."""

    def __init__(self, to_ref: Callable[[Any], dict | None], tensor_info: Callable[[torch.Tensor], dict]):
        self.to_ref, self.tensor_info = to_ref, tensor_info
        self.table: list[dict] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.indices: dict[int, int] = {}  # id of a tensor already in the table -> its index: sent once

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError("value nested too deeply to send")
        ref = self.to_ref(value)
        if ref is not None:
            return ref
        if value is None or isinstance(value, (bool, int, str)) and type(value) in (bool, int, str):
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"$float": repr(value)}
        if isinstance(value, torch.Tensor):
            return self._tensor(value)
        if isinstance(value, torch.Size):
            return {"$size": [int(s) for s in value]}
        if isinstance(value, torch.dtype):
            return {"$dtype": str(value).removeprefix("torch.")}
        if isinstance(value, torch.device):
            return {"$device": str(value)}
        if type(value) in (list, tuple):
            items = [self.encode(v, depth + 1) for v in value]
            return items if type(value) is list else {"$tuple": items}
        if isinstance(value, dict):
            return {"$dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        raise TypeError(f"cannot send a {type(value).__name__}")

    def _tensor(self, t: torch.Tensor) -> dict:
        """A tensor by value, once per frame: the same object passed twice (``mha(x, x, x)``) arrives as one
        object, so gradients through every use add up and ``query is key`` holds on the other side."""
        if id(t) in self.indices:
            return {"$t": self.indices[id(t)]}
        with torch._C.DisableTorchFunctionSubclass():
            order = dim_order(t)
        data = tensor_bytes(t, order)
        if self.size + len(data) > MAX_BLOB:
            raise ValueError(f"tensors too large to send (over {MAX_BLOB >> 20} MiB)")
        entry = dict(dtype=str(t.dtype).removeprefix("torch."), shape=list(t.shape), offset=self.size,
                     nbytes=len(data), **self.tensor_info(t))
        if order:
            entry["order"] = order
        self.table.append(entry)
        self.chunks.append(data)
        self.size += len(data)
        self.indices[id(t)] = len(self.table) - 1
        return {"$t": len(self.table) - 1}

    def frame(self, header: dict) -> bytes:
        header = dict(header, tensors=self.table)
        text = json.dumps(header, allow_nan=True).encode()
        if len(text) > MAX_HEADER:
            raise ValueError("message too large to send")
        return PREFIX.pack(len(text), self.size) + text + b"".join(self.chunks)


# --- decoding (validated) -----------------------------------------------------------------------


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise ChannelBroken(what)


def parse_frame(header_bytes: bytes, blob: bytes) -> Frame:
    """Validate a frame's header and rebuild its tensors as plain CPU tensors."""
    try:
        header = json.loads(header_bytes)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ChannelBroken(f"header is not JSON ({exc})") from None
    _check(isinstance(header, dict), "header is not an object")
    table = header.get("tensors", [])
    _check(isinstance(table, list) and len(table) <= MAX_ITEMS, "bad tensor table")
    frame = Frame(header)
    for entry in table:
        tensor, meta = _rebuild(entry, blob)
        frame.tensors.append(tensor)
        frame.metas.append(meta)
    return frame


def _rebuild(entry: Any, blob: bytes) -> tuple[torch.Tensor, TensorMeta]:
    _check(isinstance(entry, dict), "bad tensor entry")
    dtype = DTYPES.get(entry.get("dtype"))
    shape, offset, nbytes = entry.get("shape"), entry.get("offset"), entry.get("nbytes")
    _check(dtype is not None, f"unknown dtype {str(entry.get('dtype'))[:40]!r}")
    _check(isinstance(shape, list) and len(shape) <= 16 and all(type(s) is int and s >= 0 for s in shape),
           "bad tensor shape")
    _check(type(offset) is int and type(nbytes) is int and 0 <= offset and offset + nbytes <= len(blob),
           "tensor bytes out of range")
    numel = math.prod(shape)
    _check(numel * dtype.itemsize == nbytes, "tensor size does not match its shape")
    order = entry.get("order")
    _check(order is None or (isinstance(order, list) and sorted(order) == list(range(len(shape)))), "bad layout")
    stored = [shape[d] for d in order] if order else shape
    if numel == 0:
        tensor = torch.empty(stored, dtype=dtype)
    else:
        raw = torch.frombuffer(bytearray(blob[offset:offset + nbytes]), dtype=torch.uint8)
        tensor = raw.view(dtype).reshape(stored)
    if order:  # the same strides as the sender's: a transposed tensor arrives transposed
        tensor = tensor.permute([order.index(d) for d in range(len(shape))])
    handle, requires_grad = entry.get("handle"), entry.get("requires_grad", False)
    type_name, device = entry.get("type", "Tensor"), entry.get("device", "cpu")
    _check(handle is None or type(handle) is int, "bad handle")
    _check(type(requires_grad) is bool and isinstance(type_name, str) and isinstance(device, str), "bad tensor info")
    return tensor, TensorMeta(handle, requires_grad, type_name[:200], device[:40])


class Decoder:
    """Turns decoded JSON back into values; `from_ref` rebuilds the tagged remote forms."""

    def __init__(self, frame: Frame, from_ref: Callable[[dict], Any]):
        self.frame, self.from_ref = frame, from_ref
        self.count = 0

    def decode(self, data: Any, depth: int = 0) -> Any:
        self.count += 1
        _check(depth <= MAX_DEPTH and self.count <= MAX_ITEMS, "value nested too deeply or too large")
        if data is None or type(data) in (bool, int, float):
            return data
        if type(data) is str:
            _check(len(data) <= MAX_TEXT, "string too long")
            return data
        if type(data) is list:
            return [self.decode(v, depth + 1) for v in data]
        _check(type(data) is dict and len(data) >= 1, "unknown value")
        tag = next(iter(data))
        body = data[tag]
        if tag == "$t":
            _check(type(body) is int and 0 <= body < len(self.frame.tensors), "bad tensor reference")
            return self.frame.tensors[body]
        if tag == "$tuple":
            _check(type(body) is list, "bad tuple")
            return tuple(self.decode(v, depth + 1) for v in body)
        if tag == "$dict":
            _check(type(body) is list and all(type(p) is list and len(p) == 2 for p in body), "bad dict")
            pairs = [(self.decode(k, depth + 1), self.decode(v, depth + 1)) for k, v in body]
            _check(all(isinstance(k, (str, int, float, bool, tuple)) or k is None for k, _ in pairs), "bad dict key")
            return dict(pairs)
        if tag == "$float":
            _check(body in ("nan", "inf", "-inf"), "bad float")
            return float(body)
        if tag == "$size":
            _check(type(body) is list and all(type(s) is int for s in body), "bad size")
            return torch.Size(body)
        if tag == "$dtype":
            _check(body in DTYPES, "bad dtype")
            return DTYPES[body]
        if tag == "$device":
            _check(type(body) is str and len(body) < 40, "bad device")
            return torch.device(body) if body.split(":")[0] in ("cpu", "cuda", "mps", "meta") else body
        if tag in ("$ref", "$obj"):
            _check(type(body) is int, "bad object reference")
            return self.from_ref(data)
        raise ChannelBroken(f"unknown tag {tag[:20]!r}")


# --- moving frames over a file descriptor ---------------------------------------------------------


def send_frame(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write all of `data`; with a deadline, give up (DeadlinePassed) when the reader stalls."""
    view = memoryview(data)
    while view:
        if deadline is not None:
            _wait(fd, selectors.EVENT_WRITE, deadline)
        try:
            view = view[os.write(fd, view[:1 << 20]):]
        except BlockingIOError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            raise ChannelClosed("the other side closed the channel") from None


def _wait(fd: int, events: int, deadline: float) -> None:
    with selectors.DefaultSelector() as selector:
        selector.register(fd, events)
        if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
            raise DeadlinePassed()


class FrameReader:
    """Reads frames from a non-blocking descriptor, while `on_idle` drains other streams."""

    def __init__(self, fd: int, pump: Callable[[float], bool]):
        self.fd, self.pump = fd, pump  # pump(timeout) waits for any stream, True when `fd` is readable
        self.buffer = bytearray()

    def _fill(self, size: int, deadline: float) -> None:
        while len(self.buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlinePassed()
            if not self.pump(remaining):
                continue
            try:
                data = os.read(self.fd, min(size - len(self.buffer), 1 << 20))
            except BlockingIOError:
                continue
            except ConnectionResetError:
                data = b""
            if not data:
                raise ChannelClosed("the learner's process closed the channel")
            self.buffer += data

    def read(self, deadline: float) -> Frame:
        self._fill(PREFIX.size, deadline)
        header_len, blob_len = PREFIX.unpack(self.buffer[:PREFIX.size])
        _check(header_len <= MAX_HEADER and blob_len <= MAX_BLOB, "frame larger than the limit")
        total = PREFIX.size + header_len + blob_len
        self._fill(total, deadline)
        header, blob = bytes(self.buffer[PREFIX.size:PREFIX.size + header_len]), bytes(self.buffer[PREFIX.size + header_len:total])
        del self.buffer[:total]
        return parse_frame(header, blob)

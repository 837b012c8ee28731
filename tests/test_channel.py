"""The wire between grader and learner: values survive the trip as plain data, layouts included,
and anything malformed is refused with a reason (never unpickled, never trusted)."""
from __future__ import annotations

import json
import struct
import time

import pytest
import torch

from torchdojo.grading import channel


def round_trip(value):
    encoder = channel.Encoder(lambda v: None, lambda t: {"requires_grad": bool(t.requires_grad)})
    data = encoder.frame({"value": encoder.encode(value)})
    header_len, _ = struct.unpack(">II", data[:8])
    frame = channel.parse_frame(data[8:8 + header_len], data[8 + header_len:])
    return channel.Decoder(frame, lambda ref: ref).decode(frame.header["value"])


def test_values_survive_the_trip():
    value = {"x": torch.randn(3, 4), "n": 3, "f": float("nan"), "t": (1, "a", None), "l": [True, 2.5],
             "size": torch.Size([2, 3]), "dtype": torch.float64, "empty": torch.zeros(0, 3),
             "scalar": torch.tensor(1.5, dtype=torch.float64), "ints": torch.arange(5), "mask": torch.ones(2) > 0}
    got = round_trip(value)
    assert got.keys() == value.keys() and got["n"] == 3 and got["t"] == (1, "a", None) and got["l"] == [True, 2.5]
    assert got["f"] != got["f"] and got["size"] == torch.Size([2, 3]) and got["dtype"] is torch.float64
    for key in ("x", "empty", "scalar", "ints", "mask"):
        assert type(got[key]) is torch.Tensor and got[key].dtype == value[key].dtype
        assert torch.equal(got[key], value[key])


def test_a_subclass_arrives_as_a_plain_tensor():
    class Sneaky(torch.Tensor):
        pass

    got = round_trip(torch.randn(3).as_subclass(Sneaky))
    assert type(got) is torch.Tensor


def test_a_permuted_layout_arrives_with_the_same_strides():
    transposed = torch.randn(4, 6).T
    channels_last = torch.randn(2, 3, 4, 5).permute(0, 2, 3, 1)
    for tensor in (transposed, channels_last):
        got = round_trip(tensor)
        assert torch.equal(got, tensor) and got.stride() == tensor.stride() and not got.is_contiguous()


def frame_with(header: dict, blob: bytes = b"") -> None:
    channel.parse_frame(json.dumps(header).encode(), blob)


@pytest.mark.parametrize("entry, problem", [
    ({"dtype": "object", "shape": [1], "offset": 0, "nbytes": 8}, "unknown dtype"),
    ({"dtype": "float32", "shape": [3], "offset": 8, "nbytes": 12}, "out of range"),
    ({"dtype": "float32", "shape": [3], "offset": 0, "nbytes": 4}, "does not match"),
    ({"dtype": "float32", "shape": [-1], "offset": 0, "nbytes": 4}, "bad tensor shape"),
    ({"dtype": "float32", "shape": [2, 2], "offset": 0, "nbytes": 16, "order": [0, 0]}, "bad layout"),
])
def test_malformed_tensors_are_refused(entry, problem):
    with pytest.raises(channel.ChannelBroken, match=problem):
        frame_with({"tensors": [entry]}, b"\0" * 16)


@pytest.mark.parametrize("value, problem", [
    ({"$pickle": "gASV"}, "unknown tag"),
    ({"$t": 3}, "bad tensor reference"),
    ({"$float": "1e999999"}, "bad float"),
    ("x" * (channel.MAX_TEXT + 1), "string too long"),
    ([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "nested too deeply"),
])
def test_malformed_values_are_refused(value, problem):
    frame = channel.parse_frame(json.dumps({"value": value}).encode(), b"")
    with pytest.raises(channel.ChannelBroken, match=problem):
        channel.Decoder(frame, lambda ref: ref).decode(frame.header["value"])


def test_a_frame_larger_than_the_limit_is_refused_before_it_is_read():
    import os

    read_end, write_end = os.pipe()
    os.write(write_end, struct.pack(">II", channel.MAX_HEADER + 1, 0))
    reader = channel.FrameReader(read_end, pump=lambda timeout: True)
    with pytest.raises(channel.ChannelBroken, match="larger than the limit"):
        reader.read(deadline=float("inf"))
    os.close(read_end)
    os.close(write_end)


def test_a_tensor_passed_twice_is_sent_once_and_arrives_as_one_object():
    x = torch.arange(6.0).view(2, 3)
    first, second, third = round_trip([x, x, x.clone()])
    assert first is second and third is not first and torch.equal(first, x) and torch.equal(third, x)


def test_the_learner_sees_one_object_and_its_gradient_sums_every_use():
    from torchdojo.grading.expect import grad
    from torchdojo.grading.remote import Session, active
    from torchdojo.grading.runner import BoundedOutput
    from torchdojo.grading.submission import Submission

    source = "import torch\ndef one(a, b, c):\n    return (a is b, a * b + c)\n"
    session = Session.open(Submission("probe.py", source), ("one",), 512, BoundedOutput(),
                           deadline=time.monotonic() + 30)
    try:
        session.wait_loaded()
        with active(session):
            x = torch.ones(3, requires_grad=True)
            same, out = session.root.one(x, x, x)
            (g,) = grad(out, [x], torch.ones(3))
        assert same is True and torch.equal(g, 2 * torch.ones(3) + 1)
    finally:
        session.close()


def test_learner_iterables_and_lengths_cross_the_boundary():
    """list() of a learner's generator (model.parameters()) iterates once; len() asks over there."""
    from torchdojo.grading.remote import Session, active
    from torchdojo.grading.runner import BoundedOutput
    from torchdojo.grading.submission import Submission

    source = "from torch import nn\ndef one():\n    return nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))\n"
    session = Session.open(Submission("probe.py", source), ("one",), 512, BoundedOutput(),
                           deadline=time.monotonic() + 30)
    try:
        session.wait_loaded()
        with active(session):
            model = session.root.one()
            assert [tuple(p.shape) for p in model.parameters()] == [(2, 3), (2,), (1, 2), (1,)]
            assert len(list(model.parameters())) == 4 and len(model) == 3
    finally:
        session.close()

"""Red team: a wrong answer that also attacks the grader never passes.

Each test takes a wrong huber-loss (plain squared error: no linear branch) and adds one way of
forging the verdict that worked when checks ran next to the learner's code. The verdict must stay
"not passed", with a reason a learner can read, and nothing may be left running.
"""
from __future__ import annotations

import resource
import textwrap

import pytest

from torchdojo.catalog import catalog
from torchdojo.grading.report import Status
from torchdojo.grading.runner import grade

from conftest import survivor_marker, survivors

HUBER = catalog().get("huber-loss")
WRONG = textwrap.dedent("""\
    import torch
    from torch import nn


    class HuberLoss(nn.Module):
        def __init__(self, delta=1.0, reduction="mean"):
            super().__init__()
            self.delta, self.reduction = delta, reduction

        def forward(self, prediction, target):
            loss = (prediction - target) ** 2
            if self.reduction == "none":
                return loss
            return loss.sum() if self.reduction == "sum" else loss.mean()
    """)


def graded(attack: str):
    report = grade(HUBER, WRONG + "\n" + textwrap.dedent(attack), match_mistakes=False)
    assert not report.passed, "a wrong answer passed"
    return report


ATTACKS = {
    "replace the verdict function": """
        import torchdojo.grading.runner as runner
        from torchdojo.grading.report import CheckResult, Status
        runner._run_check = lambda *a, **k: CheckResult("", "", Status.PASSED)
        """,
    "rewrite the expect helpers' code": """
        import torchdojo.grading.expect as expect
        for name in dir(expect):
            fn = getattr(expect, name)
            if name.startswith("expect") and hasattr(fn, "__code__"):
                fn.__code__ = (lambda *a, **k: None).__code__
        expect.mismatch_summary = lambda *a, **k: None
        """,
    "clear the list of checks found on the stack": """
        import sys
        frame = sys._getframe()
        while frame is not None:
            for value in list(frame.f_locals.values()):
                if isinstance(value, list) and value and hasattr(value[0], "fn"):
                    value.clear()
            frame = frame.f_back
        """,
    "patch the tensor comparisons": """
        torch.Tensor.__gt__ = lambda self, other: torch.zeros_like(self, dtype=torch.bool)
        torch.Tensor.__ne__ = lambda self, other: torch.zeros_like(self, dtype=torch.bool)
        torch.equal = lambda a, b: True
        torch.isfinite = lambda t: torch.ones_like(t, dtype=torch.bool)
        """,
    "a tensor subclass that zeroes every subtraction": """
        class Agreeable(torch.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                if func in (torch.Tensor.sub, torch.Tensor.__sub__, torch.sub, torch.Tensor.abs):
                    return torch.zeros_like(torch.Tensor._make_subclass(torch.Tensor, args[0]))
                return super().__torch_function__(func, types, args, kwargs or {})

        _forward = HuberLoss.forward
        HuberLoss.forward = lambda self, p, t: _forward(self, p, t).as_subclass(Agreeable)
        """,
}


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_forging_the_verdict_from_inside_fails(attack):
    report = graded(ATTACKS[attack])
    assert any(r.status is Status.FAILED and "is wrong" in r.message for r in report.results)


def test_forged_frames_on_the_channel_are_rejected():
    """Write what looks like answers (and garbage) to every socket, then exit: ERROR, not PASS."""
    report = graded("""
        import json, os, struct
        def forge(fd, header):
            data = json.dumps(header).encode()
            try:
                os.write(fd, struct.pack(">II", len(data), 0) + data)
            except OSError:
                pass
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd > 2 and os.path.islink(f"/proc/self/fd/{fd}") and "socket" in os.readlink(f"/proc/self/fd/{fd}"):
                for i in range(1, 50):
                    forge(fd, {"id": i, "ok": True, "value": {"$dict": []}, "inputs": [], "status": "passed"})
                os.write(fd, b"result 0 passed\\n" * 100)
        """)
    assert report.load_error or all(not r.passed for r in report.results)
    text = report.load_error + " ".join(r.message for r in report.results)
    assert "tampered with or broke" in text


def test_a_flood_on_the_channel_does_not_grow_the_grader():
    """2 GB claimed (and 200 MB written) without a valid frame: refused at the header, memory bounded."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = graded("""
        import os
        def forward(self, prediction, target):
            for name in os.listdir("/proc/self/fd"):
                fd = int(name)
                if fd > 2 and os.path.islink(f"/proc/self/fd/{fd}") and "socket" in os.readlink(f"/proc/self/fd/{fd}"):
                    chunk = b"x" * (1 << 20)
                    for _ in range(200):
                        os.write(fd, chunk)
            return prediction - target
        HuberLoss.forward = forward
        """)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"the grader grew by {grown_mb:.0f} MB"
    assert any("tampered with or broke" in r.message for r in report.results)


def test_killing_everything_it_can_see_harms_nobody():
    """Signals to its parent, to pid 1 and to every process it may signal (-1) reach no grader process."""
    report = graded("""
        import os, signal
        def forward(self, prediction, target):
            for pid in (os.getppid(), 1, -1):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            return prediction - target
        HuberLoss.forward = forward
        """)
    assert len(report.results) == 7 and report.results[0].status is Status.FAILED


def test_processes_in_new_sessions_do_not_survive(sandbox_kind):
    marker = survivor_marker()
    graded(f"""
        import os, subprocess
        subprocess.Popen(["sleep", "{marker}"], start_new_session=True)
        if os.fork() == 0:  # a classic daemon: new session, fork again, parent gone
            os.setsid()
            if os.fork() == 0:
                os.execvp("sleep", ["sleep", "{marker}"])
            os._exit(0)
        """)
    assert survivors(marker) == []


def test_joining_the_graders_process_group_does_not_hang_it():
    report = graded("""
        import os
        try:
            os.setpgid(0, os.getpgid(os.getppid()))
        except OSError:
            pass
        """)
    assert report.results


def test_terminal_control_sequences_are_neutralised():
    report = graded(r"""
        print("\x1b[2J\x1b[32mAll 7 checks passed\x1b[8m")
        def forward(self, prediction, target):
            raise ValueError("\x1b[2J\x1b[32mPASS\x1b[0m")
        HuberLoss.forward = forward
        """)
    texts = [report.output] + [r.message for r in report.results]
    assert all("\x1b" not in t for t in texts)
    assert "\\x1b[2J" in report.output


def test_a_result_too_deep_to_send_is_reported_as_what_it_returned_not_as_a_raise():
    report = graded("""
        def forward(self, prediction, target):
            value = []
            for _ in range(40):
                value = [value]
            return value
        HuberLoss.forward = forward
        """)
    messages = [result.message for result in report.results if result.status is Status.ERROR]
    assert messages and all(m.startswith("what your code returned cannot be judged: value nested too "
                                         "deeply") for m in messages), messages
    assert not any("raised" in m for m in messages)

"""torchdojo.atomic: one way to write a file that readers never see half-written."""
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from torchdojo.atomic import atomic_write, atomic_write_bytes, atomic_write_text


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_the_file_gets_the_mode_an_ordinary_open_would_give(tmp_path, umask):
    previous = os.umask(umask)
    try:
        atomic_write_bytes(tmp_path / "atomic.bin", b"x")
        (tmp_path / "plain.bin").write_bytes(b"x")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "atomic.bin") == mode(tmp_path / "plain.bin") == 0o666 & ~umask


def test_writes_bytes_and_text_and_creates_the_directory(tmp_path):
    atomic_write_text(tmp_path / "new" / "deeper" / "notes.txt", "naïve\n")
    assert (tmp_path / "new" / "deeper" / "notes.txt").read_bytes() == "naïve\n".encode()
    atomic_write(tmp_path / "new" / "notes.txt", lambda stream: stream.write(b"one"))
    atomic_write_bytes(tmp_path / "new" / "notes.txt", b"two")
    assert (tmp_path / "new" / "notes.txt").read_bytes() == b"two"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "state.json"
    atomic_write_text(target, "old")

    def half_then_fail(stream):
        stream.write(b"half of the new con")
        raise OSError("No space left on device (injected)")

    with pytest.raises(OSError, match="injected"):
        atomic_write(target, half_then_fail)
    assert target.read_text() == "old"
    assert [path.name for path in tmp_path.iterdir()] == ["state.json"]


def test_a_process_killed_mid_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "state.json"
    atomic_write_text(target, "old")
    script = textwrap.dedent(f"""
        import os
        from torchdojo.atomic import atomic_write
        def die(stream):
            stream.write(b"half")
            os._exit(9)  # no exception handler runs
        atomic_write({str(target)!r}, die)
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    assert target.read_text() == "old"

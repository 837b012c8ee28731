"""Writing a file so that readers only ever see the old contents or the complete new ones.

The bytes go to a temporary file in the target's directory, are flushed to disk, and the temporary
file then replaces the target with ``os.replace`` (a rename, atomic on POSIX). The
directory is synced too, so the rename itself survives a power cut. Any failure before the rename
(an exception, a full disk) removes the temporary file and leaves the old target untouched; a
process killed mid-write leaves at most a hidden ``.<name>.*.tmp`` file beside it.

The result gets the mode an ordinary ``open(path, "w")`` would give (``0o666`` less the umask),
not the owner-only mode of ``tempfile.mkstemp``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(stream)`` on a temporary file, then put that file at ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            os.fchmod(stream.fileno(), 0o666 & ~_umask())
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def atomic_write_bytes(path: str | os.PathLike, payload: bytes) -> None:
    atomic_write(path, lambda stream: stream.write(payload))


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def _umask() -> int:
    current = os.umask(0)  # the portable way to read the umask is to set it
    os.umask(current)
    return current


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable; best effort, as some file systems refuse to sync a directory."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError:
        pass

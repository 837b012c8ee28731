"""The progress store: concurrent writers lose nothing; a corrupt or foreign file is reported,
never overwritten."""
from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from torchdojo.progress import ProgressStore, StoreError


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / ".torchdojo" / "progress.sqlite"
    ProgressStore.create(path).close()
    return path


def test_round_trip(store_path):
    store = ProgressStore.open(store_path)
    store.record_attempt("huber-loss", 0.5, False, [{"name": "check_a", "status": "failed", "message": "m"}])
    store.record_attempt("huber-loss", 0.4, True, [{"name": "check_a", "status": "passed", "message": ""}])
    store.record_hint("huber-loss", 1)
    store.record_hint("huber-loss", 1)  # showing the same hint again does not count twice
    store.record_hint("huber-loss", 2)
    store.record_reveal("huber-loss")
    summary = store.summary()["huber-loss"]
    assert (summary.attempts, summary.passed, summary.hints, summary.revealed) == (2, True, 2, True)
    assert store.attempts("huber-loss")[0]["results"][0]["status"] == "failed"


def _hammer(path, worker: int, n: int) -> None:
    store = ProgressStore.open(path)
    for i in range(n):
        store.record_attempt(f"challenge-{worker}", 0.01, i % 2 == 0, [{"i": i}])
        store.record_hint(f"challenge-{worker}", i)
    store.close()


def test_concurrent_writers_lose_nothing(store_path):
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_hammer, args=(store_path, w, 60)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    summary = ProgressStore.open(store_path).summary()
    assert {c: (s.attempts, s.hints) for c, s in summary.items()} == {f"challenge-{w}": (60, 60) for w in range(4)}


def test_corrupt_file_is_reported_and_left_alone(store_path):
    garbage = b"this is not a database, it is a learner's lost afternoon\n" * 100
    store_path.write_bytes(garbage)
    with pytest.raises(StoreError, match="is not a torchdojo progress file.*left untouched"):
        ProgressStore.open(store_path)
    assert store_path.read_bytes() == garbage


def test_truncated_file_is_reported(store_path):
    store = ProgressStore.open(store_path)
    store.record_attempt("x", 1.0, True, [])
    store.close()
    data = store_path.read_bytes()
    store_path.write_bytes(data[:50])
    with pytest.raises(StoreError):
        ProgressStore.open(store_path).summary()
    assert store_path.read_bytes() == data[:50]


def test_an_empty_file_is_called_empty_and_left_alone(store_path):
    store_path.write_bytes(b"")
    with pytest.raises(StoreError, match="is empty .*left untouched") as caught:
        ProgressStore.open(store_path)
    assert "another program" not in str(caught.value) and store_path.read_bytes() == b""


def test_foreign_sqlite_file_is_reported_and_left_alone(tmp_path):
    path = tmp_path / "progress.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE recipes (name TEXT)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another program"):
        ProgressStore.open(path)
    assert path.read_bytes() == before


def test_create_never_overwrites(store_path):
    with pytest.raises(StoreError, match="already exists"):
        ProgressStore.create(store_path)


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(StoreError, match="torchdojo init"):
        ProgressStore.open(tmp_path / "nothing.sqlite")

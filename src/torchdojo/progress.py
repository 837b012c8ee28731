"""The learner's progress, kept in one SQLite file inside the workspace.

Attempts (challenge, time, duration, result of every check), hints shown, solutions revealed and
the learner's notes. SQLite handles concurrency: two `torchdojo check` runs at once both land
(WAL journal, a busy timeout, one short transaction per write). A file that is not ours (corrupt,
or another program's database) raises :class:`StoreError` and is never overwritten.
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

APPLICATION_ID = 0x54444A4F  # "TDJO": marks the file as torchdojo's (PRAGMA application_id)
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    challenge TEXT NOT NULL,
    at REAL NOT NULL,            -- unix time
    duration REAL NOT NULL,      -- seconds
    passed INTEGER NOT NULL,
    results TEXT NOT NULL        -- JSON: [{name, status, message}, ...] or the load error
);
CREATE INDEX attempts_by_challenge ON attempts (challenge);
CREATE TABLE hints (challenge TEXT NOT NULL, level INTEGER NOT NULL, at REAL NOT NULL,
                    PRIMARY KEY (challenge, level));
CREATE TABLE reveals (challenge TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE notes (id INTEGER PRIMARY KEY, challenge TEXT, at REAL NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# added after schema 1 shipped; made on first use, so older files keep working unchanged
STATE_TABLE = "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
REPAIR = "run `torchdojo init --repair` in the workspace: it moves the file aside (kept, with a timestamp) " \
         "and starts a fresh record; your challenge files are not touched"


class StoreError(Exception):
    """The progress file cannot be used; the message says which file and what to do."""


class NewerStore(StoreError):
    """Written by a newer torchdojo: usable after an upgrade, so never "repaired" away."""


@dataclass(frozen=True)
class ChallengeProgress:
    attempts: int = 0
    passed: bool = False
    hints: int = 0
    revealed: bool = False
    last_attempt: float | None = None


class ProgressStore:
    """One SQLite file. Open it with :meth:`create` (new workspace) or :meth:`open` (existing)."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path, self._db = path, connection

    @classmethod
    def create(cls, path: Path) -> "ProgressStore":
        if path.exists():
            raise StoreError(f"{path} already exists; not overwriting it")
        path.parent.mkdir(parents=True, exist_ok=True)
        db = cls._connect(path)
        db.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
        with db:
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return cls(path, db)

    @classmethod
    def open(cls, path: Path) -> "ProgressStore":
        if not path.is_file():
            raise StoreError(f"no progress file at {path}; {REPAIR}")
        db = cls._connect(path)
        try:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreError(f"{path} is not a torchdojo progress file ({exc}); it was left untouched. "
                             f"To start a fresh record, {REPAIR}.") from None
        if app_id != APPLICATION_ID:
            db.close()
            if path.stat().st_size == 0:  # (SQLite reads an empty file as an empty database)
                raise StoreError(f"{path} is empty (0 bytes: a full disk, or a copy that failed?); it was "
                                 f"left untouched. To start a fresh record, {REPAIR}.")
            raise StoreError(f"{path} is an SQLite file of another program (application id {app_id:#x}); "
                             f"it was left untouched. To start a fresh record, {REPAIR}.")
        if version > SCHEMA_VERSION:
            db.close()
            raise NewerStore(f"{path} was written by a newer torchdojo (schema {version}); upgrade torchdojo")
        return cls(path, db)  # WAL mode is stored in the file, set once by create()

    @classmethod
    def repair(cls, path: Path) -> Path | None:
        """Move an unusable progress file aside (as ``progress.sqlite.broken-<timestamp>``, with its
        -wal/-shm companions) and create a fresh one. Returns where the old file went (None if there
        was none). A usable file is never touched: StoreError says so."""
        if path.is_file():
            try:
                cls.open(path).summary()
            except NewerStore:
                raise
            except StoreError:
                pass
            else:
                raise StoreError(f"{path} is a working progress file; nothing to repair")
        aside = None
        if path.exists():
            aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
            n = 1
            while aside.exists():
                n += 1
                aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
            path.rename(aside)
            for suffix in ("-wal", "-shm"):
                companion = path.with_name(path.name + suffix)
                if companion.exists():
                    companion.rename(aside.with_name(aside.name + suffix))
        cls.create(path).close()
        return aside

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 30000")
        return db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ProgressStore":
        return self

    def __exit__(self, *exc: object) -> None:
        """Closed at once (not whenever the garbage collector finds the connection): the last one to
        close folds the write-ahead log into the file, which then holds everything by itself."""
        self.close()

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(connection)` in one short transaction; concurrent writers wait their turn."""
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                return work(self._db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"could not record progress in {self.path}: {exc}; if it is damaged, {REPAIR}") from None

    def _write(self, sql: str, params: tuple) -> None:
        self._transaction(lambda db: db.execute(sql, params))

    # --- writes ---------------------------------------------------------------------------

    def record_attempt(self, challenge: str, duration: float, passed: bool, results: list[dict],
                       code: str | None = None) -> bool:
        """Record an attempt and make `challenge` the current one, in one transaction. With `code` (a
        digest of what was graded), the same code graded again with the same verdict as the last
        attempt recorded is not a new attempt: nothing is recorded and False is returned."""
        def work(db: sqlite3.Connection) -> bool:
            db.execute(STATE_TABLE)
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES ('current', ?)", (challenge,))
            if code is not None:
                key, value = f"last-attempt:{challenge}", f"{code}:{int(passed)}"
                if db.execute("SELECT 1 FROM state WHERE key = ? AND value = ?", (key, value)).fetchone():
                    return False
                db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))
            db.execute("INSERT INTO attempts (challenge, at, duration, passed, results) VALUES (?, ?, ?, ?, ?)",
                       (challenge, time.time(), duration, int(passed), json.dumps(results)))
            return True

        return self._transaction(work)

    def record_hint(self, challenge: str, level: int) -> None:
        self._write("INSERT OR IGNORE INTO hints (challenge, level, at) VALUES (?, ?, ?)",
                    (challenge, level, time.time()))

    def record_reveal(self, challenge: str) -> None:
        self._write("INSERT INTO reveals (challenge, at) VALUES (?, ?)", (challenge, time.time()))

    def set_current(self, challenge: str) -> None:
        """Remember the challenge the learner last started or checked (``torchdojo check`` alone grades it)."""
        def work(db: sqlite3.Connection) -> None:
            db.execute(STATE_TABLE)
            db.execute("INSERT OR REPLACE INTO state (key, value) VALUES ('current', ?)", (challenge,))

        self._transaction(work)

    def add_note(self, challenge: str | None, text: str) -> None:
        self._write("INSERT INTO notes (challenge, at, text) VALUES (?, ?, ?)", (challenge, time.time(), text))

    # --- reads ----------------------------------------------------------------------------

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"could not read progress from {self.path}: {exc}; if it is damaged, {REPAIR}") from None

    def current(self) -> str | None:
        """The challenge last started or checked, if any."""
        if not self._rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'state'"):
            return None
        row = self._rows("SELECT value FROM state WHERE key = 'current'")
        return row[0][0] if row else None

    def hints_shown(self, challenge: str) -> int:
        return self._rows("SELECT COUNT(*) FROM hints WHERE challenge = ?", (challenge,))[0][0]

    def next_hint(self, challenge: str, available: int) -> int:
        """Record and return the level of the next hint (1-based; the last one repeats)."""
        level = min(self.hints_shown(challenge) + 1, available)
        self.record_hint(challenge, level)
        return level

    def attempts(self, challenge: str | None = None) -> list[dict]:
        where, params = ("WHERE challenge = ?", (challenge,)) if challenge else ("", ())
        rows = self._rows(f"SELECT challenge, at, duration, passed, results FROM attempts {where} ORDER BY id", params)
        return [dict(challenge=c, at=at, duration=d, passed=bool(p), results=json.loads(r))
                for c, at, d, p, r in rows]

    def notes(self) -> list[dict]:
        rows = self._rows("SELECT challenge, at, text FROM notes ORDER BY id")
        return [dict(challenge=c, at=at, text=t) for c, at, t in rows]

    def hint_events(self) -> list[dict]:
        rows = self._rows("SELECT challenge, level, at FROM hints ORDER BY at")
        return [dict(challenge=c, level=level, at=at) for c, level, at in rows]

    def summary(self) -> dict[str, ChallengeProgress]:
        """Per challenge id: attempts, passed at least once, hints shown, solution revealed."""
        stats: dict[str, dict] = {}
        for challenge, n, passed, last in self._rows(
                "SELECT challenge, COUNT(*), MAX(passed), MAX(at) FROM attempts GROUP BY challenge"):
            stats.setdefault(challenge, {}).update(attempts=n, passed=bool(passed), last_attempt=last)
        for challenge, n in self._rows("SELECT challenge, COUNT(*) FROM hints GROUP BY challenge"):
            stats.setdefault(challenge, {})["hints"] = n
        for (challenge,) in self._rows("SELECT DISTINCT challenge FROM reveals"):
            stats.setdefault(challenge, {})["revealed"] = True
        return {c: ChallengeProgress(**s) for c, s in stats.items()}

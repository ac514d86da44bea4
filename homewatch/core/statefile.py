"""State files that fail safe: atomic writes, validation on load, damaged files moved aside.

A damaged file (unreadable, not JSON, nested too deep, the wrong shape, a directory in its
place) is renamed `<name>.broken-<timestamp>` so a human can look at it, and the caller gets
`StateDamaged` with the raw bytes to salvage what it can. Writes go to a temporary file that is
fsynced and renamed over the old one; when an event loop runs they happen in its default
executor, latest wins, so the loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_STATE_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 32


class StateDamaged(Exception):
    """The state file could not be used; it was moved to `moved_to` (None if that failed)."""

    def __init__(self, path: Path, reason: str, raw: bytes, moved_to: Path | None) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.raw = raw
        self.moved_to = moved_to


class JsonTooDeep(ValueError):
    pass


def json_depth_ok(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Cheap pre-check before `json.loads`: bracket nesting (outside strings) within `limit`."""
    data = text.encode() if isinstance(text, str) else text
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def loads_bounded(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` that refuses nesting deeper than `limit` instead of recursing."""
    if not json_depth_ok(text, limit):
        raise JsonTooDeep(f"JSON nested deeper than {limit} levels")
    return json.loads(text)


def quarantine(path: Path, now: float | None = None) -> Path | None:
    """Move `path` (file or directory, and SQLite's -wal/-shm beside it) out of the way."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(time.time() if now is None else now))
    target = path.with_name(f"{path.name}.broken-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{n}")
    try:
        path.rename(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.error("cannot move %s aside (%s); removing it", path, exc)
        with contextlib.suppress(OSError):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        return None
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        with contextlib.suppress(OSError):
            side.rename(target.with_name(target.name + suffix))
    return target


def atomic_write(path: Path, data: bytes) -> None:
    """Write, fsync, rename, fsync the directory: the old or the new content, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class JsonStateFile:
    """One versioned JSON state file: `{"version": N, ...}`."""

    def __init__(self, path: Path, version: int) -> None:
        self.path = path
        self.version = version
        self.last_error: str | None = None
        self._slot = threading.Lock()  # guards `_latest`
        self._writing = threading.Lock()  # one write at a time, in order
        self._latest: bytes | None = None

    def load(self, parse: Callable[[Any], T]) -> T | None:
        """None when there is no file; `parse`'s value; or `StateDamaged` after quarantine.

        `parse` gets the decoded JSON and raises ValueError/TypeError/KeyError when it does
        not fit (it also handles older unversioned layouts)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise self._damaged("a directory is in its place", b"") from None
        except OSError as exc:
            raise self._damaged(f"unreadable ({exc.strerror or exc})", b"") from None
        if len(raw) > MAX_STATE_BYTES:
            raise self._damaged(f"larger than {MAX_STATE_BYTES} bytes", raw[:4096])
        try:
            data = loads_bounded(raw)
            if isinstance(data, dict) and data.get("version", 0) > self.version:
                raise ValueError(f"written by a newer homewatch (version {data['version']})")
            return parse(data)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            reason = "empty" if not raw.strip() else str(exc).splitlines()[0][:200]
            raise self._damaged(reason, raw) from None

    def _damaged(self, reason: str, raw: bytes) -> StateDamaged:
        return StateDamaged(self.path, reason, raw, quarantine(self.path))

    def save(self, data: dict[str, Any]) -> None:
        """Write `data` with this file's version; off the event loop when one is running."""
        blob = json.dumps({"version": self.version, **data}, indent=1).encode()
        with self._slot:  # never held across disk I/O: the event loop only waits for this
            self._latest = blob
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._write_latest()
        else:
            loop.run_in_executor(None, self._write_latest)

    def _write_latest(self) -> None:
        with self._writing:
            with self._slot:
                blob, self._latest = self._latest, None
            if blob is None:  # a later save already wrote it
                return
            try:
                atomic_write(self.path, blob)
            except OSError as exc:
                with self._slot:
                    if self._latest is None:  # kept for the next attempt
                        self._latest = blob
                if self.last_error is None:
                    log.error("cannot write %s: %s; the state is kept in memory", self.path,
                              exc.strerror or exc)
                self.last_error = exc.strerror or str(exc)
                return
            if self.last_error is not None:
                log.info("%s written again", self.path)
            self.last_error = None

    def flush(self) -> None:
        """Retry a write that failed (disk full, read-only) or is still pending."""
        self._write_latest()


# ---- SQLite ------------------------------------------------------------------------------

IsolationLevel = Literal["DEFERRED", "EXCLUSIVE", "IMMEDIATE"] | None
DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


def is_damage(exc: sqlite3.Error) -> bool:
    """A damaged database file, as opposed to disk trouble (full, read-only, I/O errors)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in DAMAGE_CODES
    text = str(exc)
    return "not a database" in text or "malformed" in text


def _connect(path: Path, schema: str, check_same_thread: bool,
             isolation_level: IsolationLevel) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise sqlite3.DatabaseError("file is not a database (a directory is in its place)")
    db = sqlite3.connect(path, isolation_level=isolation_level,
                         check_same_thread=check_same_thread)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(schema)
        row = db.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(f"database disk image is malformed ({row and row[0]})")
    except BaseException:
        db.close()
        raise
    return db


def open_sqlite(path: Path, schema: str, *, what: str, check_same_thread: bool = True,
                isolation_level: IsolationLevel = None) -> tuple[sqlite3.Connection, Path | None]:
    """Open (creating) a WAL database; a damaged one is moved aside and a new one opened.

    Returns the connection and where the damaged file went (for salvage), if it was damaged.
    Disk trouble (full, read-only) is raised as `sqlite3.OperationalError`: not damage."""
    try:
        return _connect(path, schema, check_same_thread, isolation_level), None
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and not is_damage(exc):
            raise
        moved = quarantine(path)
        log.error("%s %s is damaged (%s); it was %s; starting a new one", what, path, exc,
                  f"moved to {moved.name}" if moved else "removed")
        return _connect(path, schema, check_same_thread, isolation_level), moved


def salvage_rows(path: Path, query: str) -> Iterator[tuple[Any, ...]]:
    """Rows of a damaged database, in order, until the first unreadable page."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    try:
        cursor = db.execute(query)
        while (row := cursor.fetchone()) is not None:  # one at a time: keep all before the error
            yield row
    except sqlite3.Error as exc:
        log.warning("salvage from %s stopped: %s", path, exc)
    finally:
        db.close()

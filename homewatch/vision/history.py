"""Event history in SQLite: what was seen where and when, kept for a retention period.

History is worth less than the daemon: a damaged file is moved aside (its readable rows carried
over); a full or read-only disk pauses recording (reported as `problem`) until it recovers.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from homewatch.core.statefile import is_damage, open_sqlite, quarantine, salvage_rows
from homewatch.vision.events import ObjectEvent

log = logging.getLogger(__name__)
REOPEN_EVERY_S = 30.0
COLUMNS = "id, camera, label, start, last_seen, end, top_score, zones, snapshot"
READ = "id, camera, label, start, last_seen, end, top_score, zones"  # what queries return

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    camera TEXT NOT NULL,
    label TEXT NOT NULL,
    start REAL NOT NULL,
    last_seen REAL NOT NULL,
    end REAL,
    top_score REAL NOT NULL,
    zones TEXT NOT NULL,
    snapshot TEXT
);
CREATE INDEX IF NOT EXISTS events_label_seen ON events (label, last_seen);
"""

UPSERT = f"""
INSERT INTO events ({COLUMNS})
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen, end = excluded.end,
    top_score = excluded.top_score, zones = excluded.zones
"""


class SqliteHistory:
    """Implements `messages.EventHistory`; safe to use from several threads."""

    def __init__(self, path: Path, retention_days: float) -> None:
        self.path = path
        self.retention_s = retention_days * 86400
        self.problem: str | None = None
        self.dropped = 0
        self._lock = threading.Lock()
        self._closed = False
        self._db: sqlite3.Connection | None = None
        self._next_open = 0.0
        with self._lock:
            self._open()

    def _open(self) -> None:
        self._next_open = time.monotonic() + REOPEN_EVERY_S
        try:
            db, damaged = open_sqlite(self.path, SCHEMA, what="event history",
                                      check_same_thread=False, isolation_level="DEFERRED")
            with db:  # tracks open when the daemon last stopped will never be closed otherwise
                closed = db.execute("UPDATE events SET end = last_seen WHERE end IS NULL")
        except (sqlite3.OperationalError, OSError) as exc:
            self._trouble(exc)
            return
        self._db = db
        if closed.rowcount:
            log.info("event history: %d event(s) open at the last stop closed", closed.rowcount)
        if damaged is not None:
            self._salvage(damaged)
        self._recovered()

    def _salvage(self, damaged: Path) -> None:
        assert self._db is not None
        rows = list(salvage_rows(damaged, f"SELECT {COLUMNS} FROM events ORDER BY start"))
        try:
            with self._db:
                self._db.executemany(UPSERT, rows)
        except sqlite3.Error as exc:
            log.warning("event history: salvage failed: %s", exc)
            return
        log.error("event history: %d event(s) salvaged from %s", len(rows), damaged.name)

    def _trouble(self, exc: BaseException) -> None:
        problem = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if self.problem is None:
            log.error("event history paused: %s (events are still published)", problem)
        self.problem = problem

    def _recovered(self) -> None:
        if self.problem is not None:
            log.info("event history recording again (%d event update(s) not recorded)",
                     self.dropped)
        self.problem = None

    def _damaged(self, exc: sqlite3.Error) -> None:
        """The file went bad under us: start a new one rather than fail forever."""
        if self._db is not None:
            self._db.close()
            self._db = None
        moved = quarantine(self.path)
        log.error("event history %s is damaged (%s); moved to %s", self.path, exc,
                  moved.name if moved else "nowhere")
        self._open()

    def record(self, events: list[ObjectEvent]) -> None:
        if not events or self._closed:
            return
        rows = [(e.id, e.camera, e.label, e.start, e.last_seen, e.end, e.top_score,
                 json.dumps(list(e.zones)), e.snapshot) for e in events]
        with self._lock:
            if self._db is None and time.monotonic() >= self._next_open:
                self._open()
            if self._db is None:
                self.dropped += len(rows)
                return
            try:
                with self._db:
                    self._db.executemany(UPSERT, rows)
            except sqlite3.Error as exc:
                self.dropped += len(rows)
                if is_damage(exc):
                    self._damaged(exc)
                else:
                    self._trouble(exc)
                return
            self._recovered()

    def last_seen(self, label: str, camera: str | None = None) -> tuple[str, float] | None:
        query = "SELECT camera, last_seen FROM events WHERE label = ?"
        args: tuple[str, ...] = (label,)
        if camera is not None:
            query += " AND camera = ?"
            args += (camera,)
        with self._lock:
            if self._closed or self._db is None:  # stopped, or paused: nothing known
                return None
            try:
                row = self._db.execute(query + " ORDER BY last_seen DESC LIMIT 1",
                                       args).fetchone()
            except sqlite3.Error as exc:
                log.warning("event history: %s", exc)
                return None
        return None if row is None else (str(row[0]), float(row[1]))

    def events(self, start: float, end: float, cameras: Sequence[str] | None = None,
               limit: int = 5000) -> list[dict[str, object]]:
        """Events seen between `start` and `end` (unix times), oldest first, optionally of
        some cameras only."""
        where = "WHERE start <= ? AND last_seen >= ?"
        args: list[object] = [end, start]
        if cameras is not None:
            where += f" AND camera IN ({', '.join('?' * len(cameras))})"
            args += list(cameras)
        rows = self._select(f"{where} ORDER BY start LIMIT ?", (*args, limit))
        for row in rows:
            row["zones"] = json.loads(str(row["zones"]))
        return rows

    def recent(self, limit: int = 20) -> list[dict[str, object]]:
        return self._select("ORDER BY last_seen DESC LIMIT ?", (limit,))

    def _select(self, tail: str, args: Sequence[object]) -> list[dict[str, object]]:
        """Rows of the events table as dicts; none when the history is closed or unreadable."""
        with self._lock:
            if self._closed or self._db is None:
                return []
            try:
                cur = self._db.execute(f"SELECT {READ} FROM events {tail}", args)
            except sqlite3.Error as exc:
                log.warning("event history: %s", exc)
                return []
            names = [c[0] for c in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def prune(self, now: float | None = None) -> int:
        cutoff = (time.time() if now is None else now) - self.retention_s
        with self._lock:
            if self._closed or self._db is None:
                return 0
            try:
                with self._db:
                    cursor = self._db.execute("DELETE FROM events WHERE last_seen < ?",
                                              (cutoff,))
            except sqlite3.Error as exc:
                self._trouble(exc)
                return 0
            return cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._db is not None:
                self._db.close()

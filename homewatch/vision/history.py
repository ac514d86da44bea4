"""Event history in SQLite: what was seen where and when, kept for a retention period."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from homewatch.vision.events import ObjectEvent

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

UPSERT = """
INSERT INTO events (id, camera, label, start, last_seen, end, top_score, zones, snapshot)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen, end = excluded.end,
    top_score = excluded.top_score, zones = excluded.zones
"""


class SqliteHistory:
    """Implements `messages.EventHistory`; safe to use from several threads."""

    def __init__(self, path: Path, retention_days: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.retention_s = retention_days * 86400
        self._lock = threading.Lock()
        self._closed = False
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)

    def record(self, events: list[ObjectEvent]) -> None:
        if not events or self._closed:
            return
        rows = [(e.id, e.camera, e.label, e.start, e.last_seen, e.end, e.top_score,
                 json.dumps(list(e.zones)), e.snapshot) for e in events]
        with self._lock, self._db:
            self._db.executemany(UPSERT, rows)

    def last_seen(self, label: str, camera: str | None = None) -> tuple[str, float] | None:
        query = "SELECT camera, last_seen FROM events WHERE label = ?"
        args: tuple[str, ...] = (label,)
        if camera is not None:
            query += " AND camera = ?"
            args += (camera,)
        with self._lock:
            if self._closed:  # the service has stopped; nothing more is known
                return None
            row = self._db.execute(query + " ORDER BY last_seen DESC LIMIT 1", args).fetchone()
        return None if row is None else (str(row[0]), float(row[1]))

    def recent(self, limit: int = 20) -> list[dict[str, object]]:
        with self._lock:
            if self._closed:
                return []
            cur = self._db.execute("SELECT id, camera, label, start, last_seen, end, top_score, "
                                   "zones FROM events ORDER BY last_seen DESC LIMIT ?", (limit,))
            names = [c[0] for c in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def prune(self, now: float | None = None) -> int:
        cutoff = (time.time() if now is None else now) - self.retention_s
        with self._lock:
            if self._closed:
                return 0
            with self._db:
                cursor = self._db.execute("DELETE FROM events WHERE last_seen < ?", (cutoff,))
                return cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()

"""The durable outbox: messages wait on disk until the broker acknowledged them.

SQLite in WAL mode with synchronous=NORMAL survives a daemon crash or restart; a power cut
may lose the last commit. One connection, used from one thread (the link's outbox executor).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    retain INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    topic: str
    payload: bytes
    retain: bool = False


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    topic: str
    payload: bytes
    retain: bool


class Outbox:
    def __init__(self, path: Path, max_messages: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(SCHEMA)
        self._max = max_messages
        self._depth = int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
        self.dropped = 0

    def append(self, messages: Sequence[OutboxMessage]) -> int:
        """Store messages in order; drop the oldest beyond the limit. Returns how many dropped."""
        now = time.time()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO outbox (topic, payload, retain, created) VALUES (?, ?, ?, ?)",
                [(m.topic, m.payload, int(m.retain), now) for m in messages],
            )
            self._depth += len(messages)
            excess = self._depth - self._max
            if excess > 0:
                self._depth -= excess
                self._db.execute(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)",
                    (excess,),
                )
        dropped = max(excess, 0)
        self.dropped += dropped
        return dropped

    def peek(self, after_id: int, limit: int) -> list[StoredMessage]:
        rows = self._db.execute(
            "SELECT id, topic, payload, retain FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        ).fetchall()
        return [StoredMessage(r[0], r[1], bytes(r[2]), bool(r[3])) for r in rows]

    def ack(self, ids: Sequence[int]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            cursor = self._db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])
        self._depth -= max(cursor.rowcount, 0)

    def depth(self) -> int:
        return self._depth

    def close(self) -> None:
        self._db.close()

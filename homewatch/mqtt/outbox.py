"""The durable outbox: messages wait on disk until the broker acknowledged them.

SQLite in WAL mode with synchronous=NORMAL survives a daemon crash or restart; a power cut
may lose the last commit. One connection, used from one thread (the link's outbox executor).
A damaged file is moved aside and what can still be read from it is carried over; disk trouble
(full, read-only) raises `sqlite3.OperationalError` for the link to fall back on memory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from homewatch.core.statefile import open_sqlite, salvage_rows

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
        self._db, damaged = open_sqlite(path, SCHEMA, what="MQTT outbox")
        self._max = max_messages
        self._depth = int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])
        self.dropped = 0
        self.salvaged = 0
        if damaged is not None:
            self._salvage(damaged)

    def _salvage(self, damaged: Path) -> None:
        batch: list[OutboxMessage] = []
        rows = salvage_rows(damaged, "SELECT topic, payload, retain FROM outbox ORDER BY id")
        for topic, payload, retain in rows:
            if isinstance(topic, str) and isinstance(payload, bytes | str):
                data = payload.encode() if isinstance(payload, str) else payload
                batch.append(OutboxMessage(topic, data, bool(retain)))
            if len(batch) >= 1000:
                self.salvaged += len(batch)
                self.append(batch)
                batch = []
        if batch:
            self.salvaged += len(batch)
            self.append(batch)
        log.error("MQTT outbox: %d undelivered message(s) salvaged from %s", self.salvaged,
                  damaged.name)

    def append(self, messages: Sequence[OutboxMessage]) -> int:
        """Store messages in order; drop the oldest beyond the limit. Returns how many dropped."""
        now = time.time()
        excess = max(self._depth + len(messages) - self._max, 0)
        with self._db:  # all or nothing: on a full disk nothing changes
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO outbox (topic, payload, retain, created) VALUES (?, ?, ?, ?)",
                [(m.topic, m.payload, int(m.retain), now) for m in messages],
            )
            if excess:
                self._db.execute(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)",
                    (excess,),
                )
        self._depth += len(messages) - excess
        self.dropped += excess
        return excess

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
            deleted = max(cursor.rowcount, 0)
        self._depth -= deleted

    def probe(self) -> None:
        """A real write and its undoing: raises while the disk is full or read-only."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT INTO outbox (topic, payload, created) VALUES ('', x'', 0)")
            self._db.execute("DELETE FROM outbox WHERE id = last_insert_rowid()")

    def depth(self) -> int:
        return self._depth

    def close(self) -> None:
        self._db.close()

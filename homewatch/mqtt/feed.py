"""Events from `publish_event` to the broker's PUBACK, through the durable outbox.

Events are written to disk first, handed to paho at most `max_inflight` at a time in id
order, and deleted only when the broker's PUBACK arrives. paho keeps unacknowledged messages
across reconnects of the same client, so the feed never re-sends them itself within one run;
after a restart everything left on disk is sent again (at-least-once, in order). While the
disk fails (full, read-only, gone) events wait in memory, bounded, and go out from there.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import paho.mqtt.client as paho

from homewatch.mqtt.config import OutboxConfig
from homewatch.mqtt.outbox import Outbox, OutboxMessage, StoredMessage

log = logging.getLogger(__name__)
T = TypeVar("T")

READ_AHEAD = 500  # rows read from disk per query while delivering
ACK_COALESCE_S = 0.02
DISK_RETRY_S = 5.0
MEMORY = 0  # the outbox id of a message delivered from memory (outbox ids start at 1)
DiskTrouble = (sqlite3.OperationalError, OSError)


async def in_thread(executor: ThreadPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)


class OutboxFeed:
    """The outbox's writer, the pump that hands events to paho, and the acknowledger; all
    on the event loop, the SQLite work on the `db` thread."""

    def __init__(self, config: OutboxConfig, path: Path, client: paho.Client,
                 connected: Callable[[], bool], db: ThreadPoolExecutor) -> None:
        self._config = config
        self._path = path
        self._client = client
        self._connected = connected
        self._db = db
        self._pending: list[OutboxMessage] = []
        self._writing = 0  # messages on their way to disk
        self._ready: deque[StoredMessage] = deque()  # read ahead from disk, not yet handed to paho
        self._inflight: dict[int, int] = {}  # paho mid -> outbox id, or MEMORY
        self._acked: list[int] = []
        self._cursor = 0
        self._outbox: Outbox | None = None
        self._dropped_pending = 0
        self.disk_problem: str | None = None  # while set, events wait in memory
        self._wake_writer = asyncio.Event()
        self._wake_pump = asyncio.Event()
        self._wake_acker = asyncio.Event()
        self.progress = asyncio.Event()  # an acknowledgement arrived
        self._write_lock = asyncio.Lock()

    def add(self, message: OutboxMessage) -> None:
        self._pending.append(message)
        self._bound_pending()
        if self.disk_problem is None:
            self._wake_writer.set()
        else:
            self._wake_pump.set()  # delivered straight from memory meanwhile

    def wake(self) -> None:
        """Hand over what is waiting (after a connect)."""
        self._wake_pump.set()

    def stats(self) -> dict[str, Any]:
        outbox = self._outbox
        return {
            "outbox_depth": self.backlog(),
            "outbox_dropped": (outbox.dropped if outbox else 0) + self._dropped_pending,
            "inflight": len(self._inflight),
        }

    def memory_queue(self) -> int:
        return len(self._pending) if self.disk_problem else 0

    def backlog(self) -> int:
        depth = self._outbox.depth() if self._outbox is not None else 0
        return depth - len(self._acked) + len(self._pending) + self._writing

    def _bound_pending(self) -> None:
        # The disk is not keeping up (or is gone): bounded, oldest dropped first.
        limit = (self._config.max_messages if self.disk_problem is None
                 else self._config.memory_max_messages)
        excess = len(self._pending) - limit
        if excess > 0:
            del self._pending[:excess]
            self._dropped_pending += excess

    # ---- disk trouble --------------------------------------------------------------------
    async def open(self) -> None:
        try:
            self._outbox = await in_thread(self._db, Outbox, self._path,
                                           self._config.max_messages)
        except DiskTrouble as exc:
            self._disk_trouble(exc)
            return
        if self._outbox.depth():
            log.info("outbox holds %d undelivered message(s) from before", self._outbox.depth())
        self._disk_ok()

    def _disk_trouble(self, exc: BaseException) -> None:
        problem = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if self.disk_problem is None:
            log.error("MQTT outbox unavailable (%s): up to %d event(s) wait in memory until "
                      "the disk recovers", problem, self._config.memory_max_messages)
        self.disk_problem = problem
        self._bound_pending()
        self._wake_pump.set()

    def _disk_ok(self) -> None:
        if self.disk_problem is not None:
            log.info("MQTT outbox writable again (%d event(s) held in memory meanwhile)",
                     len(self._pending))
        self.disk_problem = None

    async def disk_retrier(self) -> None:
        while True:
            await asyncio.sleep(DISK_RETRY_S)
            if self.disk_problem is None:
                continue
            if self._outbox is None:
                await self.open()
            if self._outbox is not None and not self._pending and not self._acked:
                try:
                    await in_thread(self._db, self._outbox.probe)
                except DiskTrouble as exc:
                    self._disk_trouble(exc)
                else:
                    self._disk_ok()
            if self._outbox is not None:
                await self.flush(retry=True)
                await self.flush_acks()

    # ---- tasks ---------------------------------------------------------------------------
    async def writer(self) -> None:
        while True:
            await self._wake_writer.wait()
            await self.flush()

    async def flush(self, retry: bool = False) -> None:
        async with self._write_lock:
            self._wake_writer.clear()
            if not self._pending or self._outbox is None:
                return
            if self.disk_problem is not None and not retry:
                return  # the retrier tries the disk; meanwhile events go out from memory
            batch, self._pending = self._pending, []
            self._writing = len(batch)
            try:
                dropped = await in_thread(self._db, self._outbox.append, batch)
            except DiskTrouble as exc:
                self._pending[:0] = batch
                self._disk_trouble(exc)
                return
            finally:
                self._writing = 0
            self._disk_ok()
            if dropped:
                log.warning("outbox full: dropped the %d oldest message(s)", dropped)
            self._wake_pump.set()

    async def pump(self) -> None:
        while True:
            await self._wake_pump.wait()
            self._wake_pump.clear()
            await self._feed()

    async def _feed(self) -> None:
        while self._connected() and len(self._inflight) < self._config.max_inflight:
            if self._ready or await self._read_ahead():
                row = self._ready.popleft()
                info = self._client.publish(row.topic, row.payload, qos=1, retain=row.retain)
                self._inflight[info.mid] = row.id  # kept by paho even if the link just dropped
            elif self.disk_problem is not None and self._pending:
                msg = self._pending.pop(0)  # older stored rows went first
                info = self._client.publish(msg.topic, msg.payload, qos=1, retain=msg.retain)
                self._inflight[info.mid] = MEMORY
            else:
                return

    async def _read_ahead(self) -> bool:
        if self._outbox is None:
            return False
        try:
            rows = await in_thread(self._db, self._outbox.peek, self._cursor, READ_AHEAD)
        except DiskTrouble as exc:
            self._disk_trouble(exc)
            return False
        if rows:
            self._ready.extend(rows)
            self._cursor = rows[-1].id
        return bool(rows)

    def on_ack(self, mid: int) -> None:
        row = self._inflight.pop(mid, None)
        if row is not None:
            if row != MEMORY:
                self._acked.append(row)
                self._wake_acker.set()
            else:
                self.progress.set()
            self._wake_pump.set()

    async def acker(self) -> None:
        while True:
            await self._wake_acker.wait()
            # Deleting is not on the delivery path: coalesce acks into fewer transactions.
            await asyncio.sleep(ACK_COALESCE_S)
            await self.flush_acks()

    async def flush_acks(self) -> None:
        self._wake_acker.clear()
        if self._acked and self._outbox is not None:
            ids, self._acked = self._acked, []
            try:
                await in_thread(self._db, self._outbox.ack, ids)
            except DiskTrouble as exc:
                self._acked[:0] = ids  # deleted when the disk recovers; not sent again meanwhile
                self._disk_trouble(exc)
            self.progress.set()

    async def close(self) -> None:
        """Keep whatever was published up to here on disk; report what could not be."""
        if self._outbox is not None:
            await self.flush(retry=True)
            outbox, self._outbox = self._outbox, None
            await in_thread(self._db, outbox.close)
        if self._pending:
            log.error("stopping with %d event(s) that could not be written to disk: lost",
                      len(self._pending))

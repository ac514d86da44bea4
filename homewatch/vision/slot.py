"""A bounded latest-wins slot between a capture thread and an asyncio consumer."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """Holds at most one item; a new item replaces an unread one and counts as a drop.

    `put` is called from any thread and never blocks; `get` awaits on the loop given
    at construction.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._item: T | None = None
        self._ready = asyncio.Event()
        self.put_count = 0
        self.dropped = 0

    def put(self, item: T) -> None:
        with self._lock:
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self.put_count += 1
        with contextlib.suppress(RuntimeError):  # loop closed during shutdown
            self._loop.call_soon_threadsafe(self._ready.set)

    def take(self) -> T | None:
        with self._lock:
            item, self._item = self._item, None
            self._ready.clear()
        return item

    async def get(self) -> T:
        while True:
            item = self.take()
            if item is not None:
                return item
            await self._ready.wait()

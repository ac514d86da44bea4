"""Publishing the Home Assistant discovery payload, and removing what is gone.

The announced components are remembered (`announced_path`); once every service has added
its components, what was announced before and is missing now is sent as a removal entry,
tracked until the broker acknowledged a payload carrying it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paho.mqtt.client as paho

from homewatch.core.bus import Json, encode
from homewatch.mqtt import announced
from homewatch.mqtt.announced import AnnouncedComponents, Delivery
from homewatch.mqtt.discovery import DiscoveryRegistry
from homewatch.mqtt.feed import in_thread
from homewatch.mqtt.topics import Topics

log = logging.getLogger(__name__)
DISCOVERY_DEBOUNCE_S = 0.5


class DiscoveryAnnouncer:
    def __init__(self, registry: DiscoveryRegistry, topics: Topics, client: paho.Client,
                 publish_now: Callable[[], bool], *, announced_path: Path | None,
                 db: ThreadPoolExecutor) -> None:
        """`publish_now`: connected, with discovery on."""
        self._registry = registry
        self._topics = topics
        self._client = client
        self._publish_now = publish_now
        self._path = announced_path
        self._db = db
        self._memory: AnnouncedComponents | None = None
        self._complete = False
        self.deliveries: dict[int, Delivery] = {}  # paho mid -> discovery carrying removals
        self._save = asyncio.Event()
        self._changed = asyncio.Event()

    async def load(self) -> None:
        if self._path is not None:
            self._memory = await in_thread(self._db, announced.load, self._path)

    def changed(self) -> None:
        """Components were added, maybe after connect: publish again (debounced)."""
        self._changed.set()

    def entities_complete(self) -> None:
        self._complete = True
        self._changed.set()

    async def updater(self) -> None:
        while True:
            await self._changed.wait()
            await asyncio.sleep(DISCOVERY_DEBOUNCE_S)  # one payload for a burst of entities
            self._changed.clear()
            if self._publish_now():
                self.publish()

    def publish(self, after_birth: bool = False) -> None:
        self._changed.clear()
        topic, memory, registry = self._topics.discovery, self._memory, self._registry
        if memory is None or not self._complete:
            self._client.publish(topic, encode(registry.payload()), qos=1, retain=True)
            return
        if memory.reconcile(topic, self._topics.device_id, registry.announced()):
            self._save.set()
        self._clear(memory.expire())
        removals = memory.removal_entries(topic)
        self._publish_tracked(topic, registry.payload(removals), removals, after_birth)
        for old_topic, device in memory.retired(topic).items():
            old = memory.removal_entries(old_topic)
            self._publish_tracked(old_topic, registry.retired_payload(device.device_id, old),
                                  old, after_birth)
        for stale in memory.topics_to_clear():
            self._client.publish(stale, b"", qos=1, retain=True)

    def _publish_tracked(self, topic: str, payload: Json, removals: Json,
                         after_birth: bool) -> None:
        info = self._client.publish(topic, encode(payload), qos=1, retain=True)
        if removals:
            self.deliveries[info.mid] = Delivery(topic, tuple(removals), after_birth)

    def _clear(self, topics: list[str]) -> None:
        """Device topics with nothing left to announce or remove: clear the retained payload."""
        for topic in topics:
            self._client.publish(topic, b"", qos=1, retain=True)
        if topics:
            self._save.set()

    def on_ack(self, mid: int) -> bool:
        """True when `mid` was a tracked discovery payload."""
        delivery = self.deliveries.pop(mid, None)
        if delivery is None:
            return False
        if self._memory is not None:
            self._clear(self._memory.delivered(delivery))
            self._save.set()
        return True

    async def saver(self) -> None:
        while True:
            await self._save.wait()
            await self.save()

    async def save(self) -> None:
        self._save.clear()
        if self._memory is None or self._path is None:
            return
        try:
            await in_thread(self._db, announced.save, self._path, self._memory.to_json())
        except asyncio.CancelledError:
            self._save.set()  # maybe never written: the shutdown writes it
            raise
        except OSError as exc:
            log.warning("cannot remember the announced Home Assistant components in %s: %s",
                        self._path, exc)

    async def close(self) -> None:
        if self._save.is_set():
            await self.save()

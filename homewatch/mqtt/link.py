"""The link to the broker: paho on its own thread, bridged to asyncio, behind the `Bus` API.

Events go through the durable outbox: written to disk first, handed to paho at most
`max_inflight` at a time in id order, deleted only when the broker's PUBACK arrives. paho
keeps unacknowledged messages across reconnects of the same client, so the link never
re-sends them itself within one run; after a restart everything left on disk is sent again
(at-least-once, in order). Retained state lives in memory and is republished on connect.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import paho.mqtt.client as paho

from homewatch.core.backoff import Backoff
from homewatch.core.bus import Api, Json, Payload, encode
from homewatch.core.commands import CommandRouter
from homewatch.core.node import NodeConfig
from homewatch.core.ratelimit import LogLimiter, suppressed
from homewatch.mqtt import announced
from homewatch.mqtt.announced import AnnouncedComponents, Delivery
from homewatch.mqtt.client import build_client, describe_refusal
from homewatch.mqtt.config import MqttConfig
from homewatch.mqtt.discovery import DiscoveryRegistry
from homewatch.mqtt.outbox import Outbox, OutboxMessage, StoredMessage
from homewatch.mqtt.topics import OFFLINE, ONLINE, Topics

log = logging.getLogger(__name__)
T = TypeVar("T")

INBOX_SIZE = 256
READ_AHEAD = 500  # rows read from disk per query while delivering
ACK_COALESCE_S = 0.02
DISCOVERY_DEBOUNCE_S = 0.5
CATCH_ALL_COMMANDS = ("+/set", "+/+/set", "+/take", "+/+/take")
HA_REPUBLISH_DELAY = (0.5, 3.0)
DISK_RETRY_S = 5.0
MEMORY = 0  # the outbox id of a message delivered from memory (outbox ids start at 1)
DiskTrouble = (sqlite3.OperationalError, OSError)


class MqttLink:
    name = "mqtt"

    def __init__(self, mqtt: MqttConfig, node: NodeConfig, outbox_path: Path,
                 announced_path: Path | None = None) -> None:
        """`announced_path`: where the announced discovery components are remembered, so
        that components which are gone can be removed from Home Assistant."""
        self._mqtt = mqtt
        self.topics = Topics.from_config(mqtt, node)
        self._outbox_path = outbox_path
        self._max_inflight = mqtt.outbox.max_inflight
        self._client = build_client(mqtt, node, self.topics, self._max_inflight)
        self._client.on_connect = self._paho_connect
        self._client.on_disconnect = self._paho_disconnect
        self._client.on_publish = self._paho_publish
        self._client.on_message = self._paho_message
        self.discovery = DiscoveryRegistry(self.topics, node)
        self.router = CommandRouter(lambda err: self.publish_event("error", err))
        self._states: dict[str, bytes] = {}
        self._pending: list[OutboxMessage] = []
        self._writing = 0  # messages on their way to disk
        self._ready: deque[StoredMessage] = deque()  # read ahead from disk, not yet handed to paho
        self._inflight: dict[int, int] = {}  # paho mid -> outbox id, or MEMORY
        self._acked: list[int] = []
        self._cursor = 0
        self._outbox: Outbox | None = None
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = threading.Event()
        self._accepted = threading.Event()  # this connection attempt got a good CONNACK
        self._refused = threading.Event()  # ... or a refusal
        self._net_thread: threading.Thread | None = None
        self.connected = False
        self.last_error: str | None = None
        self._dropped_commands = 0
        self._log_limit = LogLimiter()
        self._dropped_pending = 0
        self.disk_problem: str | None = None  # while set, events wait in memory
        self._wake_writer = asyncio.Event()
        self._wake_pump = asyncio.Event()
        self._wake_acker = asyncio.Event()
        self._ha_online = asyncio.Event()
        self._discovery_changed = asyncio.Event()
        self._progress = asyncio.Event()
        self._inbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(INBOX_SIZE)
        self._write_lock = asyncio.Lock()
        self._opened = asyncio.Event()
        self._announced_path = announced_path
        self._announced: AnnouncedComponents | None = None
        self._entities_complete = False
        self._deliveries: dict[int, Delivery] = {}  # paho mid -> discovery carrying removals
        self._save_announced = asyncio.Event()

    # ---- Bus -------------------------------------------------------------------------
    def publish_event(self, suffix: str, payload: Payload) -> None:
        self._pending.append(OutboxMessage(self.topics.full(suffix), encode(payload)))
        self._bound_pending()
        if self.disk_problem is None:
            self._wake_writer.set()
        else:
            self._wake_pump.set()  # delivered straight from memory meanwhile

    def _bound_pending(self) -> None:
        # The disk is not keeping up (or is gone): bounded, oldest dropped first.
        limit = (self._mqtt.outbox.max_messages if self.disk_problem is None
                 else self._mqtt.outbox.memory_max_messages)
        excess = len(self._pending) - limit
        if excess > 0:
            del self._pending[:excess]
            self._dropped_pending += excess

    def publish_state(self, suffix: str, payload: Payload) -> None:
        topic, data = self.topics.full(suffix), encode(payload)
        self._states[topic] = data
        if self.connected:
            self._client.publish(topic, data, qos=1, retain=True)

    def add_api(self, api: Api) -> None:
        for route in api.routes:
            self.router.add(route.topic.filter, route)
            if self.connected:
                self._client.subscribe(self.topics.full(route.topic.filter), qos=1)
        for key, component in api.components.items():
            self.discovery.add(key, component)
        if api.components:  # services add their APIs as they start, maybe after connect
            self._discovery_changed.set()

    def entities_complete(self) -> None:
        """Every service has added its entities: what was announced before and is missing
        now is gone for good and gets removed from Home Assistant."""
        self._entities_complete = True
        self._discovery_changed.set()

    # ---- Service -----------------------------------------------------------------------
    def healthy(self) -> bool:
        # A broker outage is not a daemon fault: events wait in the outbox.
        return self._net_thread is None or self._net_thread.is_alive()

    def stats(self) -> Json:
        outbox = self._outbox
        return {
            "connected": self.connected,
            "outbox_depth": self._backlog(),
            "outbox_dropped": (outbox.dropped if outbox else 0) + self._dropped_pending,
            "inflight": len(self._inflight),
            "commands_rejected": self.router.rejected,
            "commands_dropped": self._dropped_commands,
            "problem": None if self.disk_problem is None else f"outbox: {self.disk_problem}",
            "memory_queue": len(self._pending) if self.disk_problem else 0,
        }

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._open_outbox()
        if self._announced_path is not None:
            self._announced = await self._in_db(announced.load, self._announced_path)
        self._opened.set()
        self._net_thread = threading.Thread(target=self._network_main, name="mqtt-net",
                                            daemon=True)
        self._net_thread.start()
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._writer(), name="mqtt-writer")
                tg.create_task(self._pump(), name="mqtt-pump")
                tg.create_task(self._acker(), name="mqtt-acker")
                tg.create_task(self._commands(), name="mqtt-commands")
                tg.create_task(self._ha_republisher(), name="mqtt-ha-republish")
                tg.create_task(self._discovery_updater(), name="mqtt-discovery")
                tg.create_task(self._announced_saver(), name="mqtt-announced")
                tg.create_task(self._disk_retrier(), name="mqtt-disk-retry")
        finally:
            await self._shutdown()

    async def drain(self, grace_s: float) -> bool:
        """Deliver what is pending (bounded by `grace_s`), then say `offline`. True if empty."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        await asyncio.wait_for(self._opened.wait(), grace_s)
        await self._flush()
        while self.connected and self._backlog() and loop.time() < deadline:
            self._progress.clear()
            try:
                await asyncio.wait_for(self._progress.wait(), deadline - loop.time())
            except TimeoutError:
                break
        await self._flush_acks()
        delivered = not self._backlog()
        if not delivered:
            log.warning("stopping with %d message(s) kept in the outbox for the next start",
                        self._backlog())
        await self._say_offline(max(0.5, deadline - loop.time()))
        return delivered

    # ---- disk trouble --------------------------------------------------------------------
    async def _open_outbox(self) -> None:
        try:
            self._outbox = await self._in_db(Outbox, self._outbox_path,
                                             self._mqtt.outbox.max_messages)
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
                      "the disk recovers", problem, self._mqtt.outbox.memory_max_messages)
        self.disk_problem = problem
        self._bound_pending()
        self._wake_pump.set()

    def _disk_ok(self) -> None:
        if self.disk_problem is not None:
            log.info("MQTT outbox writable again (%d event(s) held in memory meanwhile)",
                     len(self._pending))
        self.disk_problem = None

    async def _disk_retrier(self) -> None:
        while True:
            await asyncio.sleep(DISK_RETRY_S)
            if self.disk_problem is None:
                continue
            if self._outbox is None:
                await self._open_outbox()
            if self._outbox is not None and not self._pending and not self._acked:
                try:
                    await self._in_db(self._outbox.probe)
                except DiskTrouble as exc:
                    self._disk_trouble(exc)
                else:
                    self._disk_ok()
            if self._outbox is not None:
                await self._flush(retry=True)
                await self._flush_acks()

    # ---- tasks ---------------------------------------------------------------------------
    async def _writer(self) -> None:
        while True:
            await self._wake_writer.wait()
            await self._flush()

    async def _flush(self, retry: bool = False) -> None:
        async with self._write_lock:
            self._wake_writer.clear()
            if not self._pending or self._outbox is None:
                return
            if self.disk_problem is not None and not retry:
                return  # the retrier tries the disk; meanwhile events go out from memory
            batch, self._pending = self._pending, []
            self._writing = len(batch)
            try:
                dropped = await self._in_db(self._outbox.append, batch)
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

    async def _pump(self) -> None:
        while True:
            await self._wake_pump.wait()
            self._wake_pump.clear()
            await self._feed()

    async def _feed(self) -> None:
        while self.connected and len(self._inflight) < self._max_inflight:
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
            rows = await self._in_db(self._outbox.peek, self._cursor, READ_AHEAD)
        except DiskTrouble as exc:
            self._disk_trouble(exc)
            return False
        if rows:
            self._ready.extend(rows)
            self._cursor = rows[-1].id
        return bool(rows)

    async def _acker(self) -> None:
        while True:
            await self._wake_acker.wait()
            # Deleting is not on the delivery path: coalesce acks into fewer transactions.
            await asyncio.sleep(ACK_COALESCE_S)
            await self._flush_acks()

    async def _flush_acks(self) -> None:
        self._wake_acker.clear()
        if self._acked and self._outbox is not None:
            ids, self._acked = self._acked, []
            try:
                await self._in_db(self._outbox.ack, ids)
            except DiskTrouble as exc:
                self._acked[:0] = ids  # deleted when the disk recovers; not sent again meanwhile
                self._disk_trouble(exc)
            self._progress.set()

    async def _commands(self) -> None:
        while True:
            topic, payload = await self._inbox.get()
            if topic == self.topics.ha_status:
                if payload.strip().lower() == b"online":
                    self._ha_online.set()
                continue
            suffix = self.topics.suffix(topic) or topic
            await self.router.dispatch(suffix, topic, payload)

    async def _ha_republisher(self) -> None:
        while True:
            await self._ha_online.wait()
            self._ha_online.clear()
            # Spread the load when many devices answer Home Assistant's birth message at once.
            await asyncio.sleep(random.uniform(*HA_REPUBLISH_DELAY))
            if self.connected:
                log.info("Home Assistant came online: republishing discovery and state")
                self._publish_retained(after_birth=True)

    async def _discovery_updater(self) -> None:
        while True:
            await self._discovery_changed.wait()
            await asyncio.sleep(DISCOVERY_DEBOUNCE_S)  # one payload for a burst of entities
            self._discovery_changed.clear()
            if self.connected and self._mqtt.discovery:
                self._publish_discovery()

    # ---- connection state (loop thread) ------------------------------------------------
    def _on_up(self) -> None:
        self.connected = True
        self.last_error = None
        log.info("connected to MQTT broker %s:%d", self._mqtt.host, self._mqtt.port)
        filters = [*self.router.filters(), *CATCH_ALL_COMMANDS]
        subscriptions = [(self.topics.full(f), 1) for f in dict.fromkeys(filters)]
        if self._mqtt.discovery:
            subscriptions.append((self.topics.ha_status, 1))
        self._client.subscribe(subscriptions)
        self._publish_retained()
        self._wake_pump.set()

    def _publish_retained(self, after_birth: bool = False) -> None:
        self._client.publish(self.topics.status, ONLINE, qos=1, retain=True)
        if self._mqtt.discovery:
            self._publish_discovery(after_birth)
        for topic, data in self._states.items():
            self._client.publish(topic, data, qos=1, retain=True)

    def _publish_discovery(self, after_birth: bool = False) -> None:
        self._discovery_changed.clear()
        topic, memory = self.topics.discovery, self._announced
        if memory is None or not self._entities_complete:
            self._client.publish(topic, encode(self.discovery.payload()), qos=1, retain=True)
            return
        if memory.reconcile(topic, self.topics.device_id, self.discovery.announced()):
            self._save_announced.set()
        self._clear_discovery(memory.expire())
        removals = memory.removal_entries(topic)
        self._publish_tracked(topic, self.discovery.payload(removals), removals, after_birth)
        for old_topic, device in memory.retired(topic).items():
            old = memory.removal_entries(old_topic)
            self._publish_tracked(old_topic, self.discovery.retired_payload(device.device_id, old),
                                  old, after_birth)
        for stale in memory.topics_to_clear():
            self._client.publish(stale, b"", qos=1, retain=True)

    def _publish_tracked(self, topic: str, payload: Json, removals: Json,
                         after_birth: bool) -> None:
        info = self._client.publish(topic, encode(payload), qos=1, retain=True)
        if removals:
            self._deliveries[info.mid] = Delivery(topic, tuple(removals), after_birth)

    def _clear_discovery(self, topics: list[str]) -> None:
        """Device topics with nothing left to announce or remove: clear the retained payload."""
        for topic in topics:
            self._client.publish(topic, b"", qos=1, retain=True)
        if topics:
            self._save_announced.set()

    def _on_discovery_ack(self, delivery: Delivery) -> None:
        if self._announced is not None:
            self._clear_discovery(self._announced.delivered(delivery))
            self._save_announced.set()

    async def _announced_saver(self) -> None:
        while True:
            await self._save_announced.wait()
            await self._save_announced_now()

    async def _save_announced_now(self) -> None:
        self._save_announced.clear()
        if self._announced is None or self._announced_path is None:
            return
        try:
            await self._in_db(announced.save, self._announced_path, self._announced.to_json())
        except asyncio.CancelledError:
            self._save_announced.set()  # maybe never written: the shutdown writes it
            raise
        except OSError as exc:
            log.warning("cannot remember the announced Home Assistant components in %s: %s",
                        self._announced_path, exc)

    def _on_down(self, reason: str) -> None:
        if self.connected and not self._closing.is_set():
            if reason == "Unspecified error":  # what paho says when the socket just closed
                reason = "the broker closed the connection"
            log.warning("lost the MQTT broker (%s); events wait in the outbox", reason)
        self.connected = False

    def _on_refused(self, reason: str) -> None:
        message = describe_refusal(reason)
        if message != self.last_error:
            log.error("MQTT broker refused the connection: %s", message)
        self.last_error = message

    def _on_unreachable(self, error: str) -> None:
        if error != self.last_error:
            log.warning("cannot reach MQTT broker %s:%d: %s; retrying",
                        self._mqtt.host, self._mqtt.port, error)
        self.last_error = error

    def _on_ack(self, mid: int) -> None:
        delivery = self._deliveries.pop(mid, None)
        if delivery is not None:
            self._on_discovery_ack(delivery)
            return
        row = self._inflight.pop(mid, None)
        if row is not None:
            if row != MEMORY:
                self._acked.append(row)
                self._wake_acker.set()
            else:
                self._progress.set()
            self._wake_pump.set()

    def _enqueue(self, topic: str, payload: bytes) -> None:
        try:
            self._inbox.put_nowait((topic, payload))
        except asyncio.QueueFull:
            self._dropped_commands += 1
            held = self._log_limit.allow("dropped")
            if held is not None:
                log.warning("command queue full; dropped a command on %s%s", topic,
                            suppressed(held))

    # ---- paho thread -------------------------------------------------------------------
    def _network_main(self) -> None:
        mqtt = self._mqtt
        backoff = Backoff(mqtt.reconnect_min_s, mqtt.reconnect_max_s)
        # A refused login (wrong password, banned client id) will not fix itself soon: it
        # counts as a failure too, with its own, longer cap.
        refused = Backoff(mqtt.reconnect_min_s, max(mqtt.reconnect_refused_max_s,
                                                     mqtt.reconnect_max_s))
        while not self._closing.is_set():
            self._accepted.clear()
            self._refused.clear()
            try:
                self._client.reconnect()
            except (OSError, ValueError) as exc:
                self._to_loop(self._on_unreachable, str(exc) or type(exc).__name__)
            else:
                self._client.loop_forever()
            if self._accepted.is_set():
                backoff.reset()
                refused.reset()
            delay = refused.next() if self._refused.is_set() else backoff.next()
            self._closing.wait(delay)

    def _to_loop(self, fn: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(fn, *args)

    def _paho_connect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any,
                      properties: Any) -> None:
        if reason.is_failure:
            self._refused.set()
            self._to_loop(self._on_refused, str(reason))
        else:
            self._accepted.set()
            self._to_loop(self._on_up)

    def _paho_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any,
                         properties: Any) -> None:
        self._to_loop(self._on_down, str(reason))

    def _paho_publish(self, client: paho.Client, userdata: Any, mid: int, reason: Any,
                      properties: Any) -> None:
        self._to_loop(self._on_ack, mid)

    def _paho_message(self, client: paho.Client, userdata: Any, msg: paho.MQTTMessage) -> None:
        self._to_loop(self._enqueue, msg.topic, bytes(msg.payload))

    # ---- shutdown ----------------------------------------------------------------------
    async def _say_offline(self, wait_s: float) -> None:
        if not self.connected:
            return
        info = self._client.publish(self.topics.status, OFFLINE, qos=1, retain=True)
        try:
            await asyncio.to_thread(info.wait_for_publish, wait_s)
        except (RuntimeError, ValueError):  # the connection dropped meanwhile; the will covers it
            log.debug("could not confirm the offline status")

    async def _shutdown(self) -> None:
        self._closing.set()
        self._client.disconnect()
        if self._net_thread is not None:
            await asyncio.to_thread(self._net_thread.join, 5.0)
        if self._outbox is not None:
            await self._flush(retry=True)  # whatever was published up to here is kept on disk
            outbox, self._outbox = self._outbox, None
            await self._in_db(outbox.close)
        if self._save_announced.is_set():
            await self._save_announced_now()
        if self._pending:
            log.error("stopping with %d event(s) that could not be written to disk: lost",
                      len(self._pending))
        self._db.shutdown(wait=True)

    def _backlog(self) -> int:
        depth = self._outbox.depth() if self._outbox is not None else 0
        return depth - len(self._acked) + len(self._pending) + self._writing

    async def _in_db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

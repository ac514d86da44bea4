"""The link to the broker: paho on its own thread, bridged to asyncio, behind the `Bus` API.

Events go through the durable outbox (`feed.py`); the Home Assistant discovery payload is
published by the announcer (`announcer.py`). Retained state lives in memory and is
republished on connect.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho

from homewatch.core.backoff import Backoff
from homewatch.core.bus import Api, Json, Payload, encode
from homewatch.core.commands import CommandRouter
from homewatch.core.node import NodeConfig
from homewatch.core.ratelimit import LogLimiter, suppressed
from homewatch.mqtt.announcer import DiscoveryAnnouncer
from homewatch.mqtt.client import build_client, describe_refusal
from homewatch.mqtt.config import MqttConfig
from homewatch.mqtt.discovery import DiscoveryRegistry
from homewatch.mqtt.feed import OutboxFeed
from homewatch.mqtt.outbox import OutboxMessage
from homewatch.mqtt.topics import OFFLINE, ONLINE, Topics

log = logging.getLogger(__name__)

INBOX_SIZE = 256
CATCH_ALL_COMMANDS = ("+/set", "+/+/set", "+/take", "+/+/take")
HA_REPUBLISH_DELAY = (0.5, 3.0)


class MqttLink:
    name = "mqtt"

    def __init__(self, mqtt: MqttConfig, node: NodeConfig, outbox_path: Path,
                 announced_path: Path | None = None) -> None:
        """`announced_path`: where the announced discovery components are remembered, so
        that components which are gone can be removed from Home Assistant."""
        self._mqtt = mqtt
        self.topics = Topics.from_config(mqtt, node)
        self._client = build_client(mqtt, node, self.topics, mqtt.outbox.max_inflight)
        self._client.on_connect = self._paho_connect
        self._client.on_disconnect = self._paho_disconnect
        self._client.on_publish = self._paho_publish
        self._client.on_message = self._paho_message
        self.discovery = DiscoveryRegistry(self.topics, node)
        self.router = CommandRouter(lambda err: self.publish_event("error", err))
        self._states: dict[str, bytes] = {}
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        self.feed = OutboxFeed(mqtt.outbox, outbox_path, self._client, lambda: self.connected,
                               self._db)
        self.announcer = DiscoveryAnnouncer(self.discovery, self.topics, self._client,
                                            lambda: self.connected and mqtt.discovery,
                                            announced_path=announced_path, db=self._db)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = threading.Event()
        self._accepted = threading.Event()  # this connection attempt got a good CONNACK
        self._refused = threading.Event()  # ... or a refusal
        self._net_thread: threading.Thread | None = None
        self.connected = False
        self.last_error: str | None = None
        self._dropped_commands = 0
        self._log_limit = LogLimiter()
        self._ha_online = asyncio.Event()
        self._inbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(INBOX_SIZE)
        self._opened = asyncio.Event()

    # ---- Bus -------------------------------------------------------------------------
    def publish_event(self, suffix: str, payload: Payload) -> None:
        self.feed.add(OutboxMessage(self.topics.full(suffix), encode(payload)))

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
            self.announcer.changed()

    def entities_complete(self) -> None:
        """Every service has added its entities: what was announced before and is missing
        now is gone for good and gets removed from Home Assistant."""
        self.announcer.entities_complete()

    # ---- Service -----------------------------------------------------------------------
    def healthy(self) -> bool:
        # A broker outage is not a daemon fault: events wait in the outbox.
        return self._net_thread is None or self._net_thread.is_alive()

    @property
    def disk_problem(self) -> str | None:
        """While set, events wait in memory."""
        return self.feed.disk_problem

    def stats(self) -> Json:
        problem = self.feed.disk_problem
        return {
            "connected": self.connected,
            **self.feed.stats(),
            "commands_rejected": self.router.rejected,
            "commands_dropped": self._dropped_commands,
            "problem": None if problem is None else f"outbox: {problem}",
            "memory_queue": self.feed.memory_queue(),
        }

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.feed.open()
        await self.announcer.load()
        self._opened.set()
        self._net_thread = threading.Thread(target=self._network_main, name="mqtt-net",
                                            daemon=True)
        self._net_thread.start()
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self.feed.writer(), name="mqtt-writer")
                tg.create_task(self.feed.pump(), name="mqtt-pump")
                tg.create_task(self.feed.acker(), name="mqtt-acker")
                tg.create_task(self._commands(), name="mqtt-commands")
                tg.create_task(self._ha_republisher(), name="mqtt-ha-republish")
                tg.create_task(self.announcer.updater(), name="mqtt-discovery")
                tg.create_task(self.announcer.saver(), name="mqtt-announced")
                tg.create_task(self.feed.disk_retrier(), name="mqtt-disk-retry")
        finally:
            await self._shutdown()

    async def drain(self, grace_s: float) -> bool:
        """Deliver what is pending (bounded by `grace_s`), then say `offline`. True if empty."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        await asyncio.wait_for(self._opened.wait(), grace_s)
        feed = self.feed
        await feed.flush()
        while self.connected and feed.backlog() and loop.time() < deadline:
            feed.progress.clear()
            try:
                await asyncio.wait_for(feed.progress.wait(), deadline - loop.time())
            except TimeoutError:
                break
        await feed.flush_acks()
        delivered = not feed.backlog()
        if not delivered:
            log.warning("stopping with %d message(s) kept in the outbox for the next start",
                        feed.backlog())
        await self._say_offline(max(0.5, deadline - loop.time()))
        return delivered

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
        self.feed.wake()

    def _publish_retained(self, after_birth: bool = False) -> None:
        self._client.publish(self.topics.status, ONLINE, qos=1, retain=True)
        if self._mqtt.discovery:
            self.announcer.publish(after_birth)
        for topic, data in self._states.items():
            self._client.publish(topic, data, qos=1, retain=True)

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
        if not self.announcer.on_ack(mid):
            self.feed.on_ack(mid)

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
        await self.feed.close()
        await self.announcer.close()
        self._db.shutdown(wait=True)

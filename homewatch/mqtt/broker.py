"""An embedded MQTT broker for single-box setups without Mosquitto (the `standalone` extra).

It runs on its own thread and event loop so broker traffic never competes with the daemon's
loop. Mosquitto stays the recommended broker for anything beyond one box.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from homewatch.core.errors import HomewatchError
from homewatch.mqtt.config import MqttConfig

log = logging.getLogger(__name__)


class EmbeddedBroker:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="mqtt-broker", daemon=True)

    def start(self, wait_s: float = 10.0) -> None:
        self._thread.start()
        if not self._ready.wait(wait_s):
            raise HomewatchError("embedded MQTT broker did not start in time")
        if self._error is not None:
            raise HomewatchError(f"embedded MQTT broker failed to start on "
                                 f"{self.host}:{self.port}: {self._error}") from self._error

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10.0)

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        try:
            from amqtt.broker import Broker
        except ImportError as exc:
            raise HomewatchError("the embedded broker needs `pip install homewatch[standalone]`"
                                 ) from exc
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        broker = Broker(self._settings(), loop=self._loop)
        await broker.start()
        log.info("embedded MQTT broker listening on %s:%d", self.host, self.port)
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await broker.shutdown()

    def _settings(self) -> dict[str, Any]:
        return {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin":
                        {"allow_anonymous": True}},
        }


@contextlib.asynccontextmanager
async def embedded_broker(mqtt: MqttConfig) -> AsyncIterator[EmbeddedBroker | None]:
    """Run the embedded broker for the duration of the block, if the config asks for it."""
    if not mqtt.embedded_broker.enabled:
        yield None
        return
    broker = EmbeddedBroker(mqtt.embedded_broker.host, mqtt.port)
    await asyncio.to_thread(broker.start)
    try:
        yield broker
    finally:
        await asyncio.to_thread(broker.stop)

"""The supervisor: one TaskGroup owns every long-lived task; signals drain it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Sequence

from homewatch import __version__
from homewatch.config import Config
from homewatch.config.slices import mqtt_link
from homewatch.core.errors import EX_FAILURE, EX_OK
from homewatch.core.service import Service
from homewatch.mqtt.broker import embedded_broker
from homewatch.runtime.api import node_api
from homewatch.runtime.assembly import build_services
from homewatch.runtime.logsetup import setup_logging
from homewatch.runtime.procstats import CpuMeter, rss_mb
from homewatch.runtime.systemd import Notifier

log = logging.getLogger(__name__)

EX_FORCED = 130


class Supervisor:
    def __init__(self, config: Config, notifier: Notifier | None = None) -> None:
        self.config = config
        self.notifier = notifier or Notifier()
        self.link = mqtt_link(config)
        self.link.add_api(node_api())
        self.services: Sequence[Service] = build_services(config, self.link)
        self._stop = asyncio.Event()
        self._started = time.monotonic()
        self._unhealthy: set[str] = set()

    async def run(self) -> int:
        self._install_signals()
        async with embedded_broker(self.config.mqtt), asyncio.TaskGroup() as tg:
            link_task = tg.create_task(self.link.run(), name="mqtt")
            workers = [tg.create_task(s.run(), name=s.name) for s in self.services]
            workers += [tg.create_task(self._watchdog(), name="watchdog"),
                        tg.create_task(self._stats(), name="stats"),
                        tg.create_task(self._entities_complete(), name="entities")]
            self.notifier.ready()
            self.notifier.status(f"running: {self._summary()}")
            log.info("homewatch %s running as node %s", __version__, self.config.node.id)
            await self._stop.wait()
            await self._drain(workers)
            link_task.cancel()
        log.info("stopped")
        return EX_OK

    def request_stop(self) -> None:
        self._stop.set()

    async def _drain(self, workers: list[asyncio.Task[None]]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.daemon.drain_timeout_s
        self.notifier.stopping()
        self.notifier.status("stopping: draining the outbox")
        for task in workers:
            task.cancel()
        await asyncio.wait(workers, timeout=max(0.1, deadline - loop.time()))
        await self.link.drain(max(0.5, deadline - loop.time()))

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        main = asyncio.current_task()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._on_signal, signum, main)

    def _on_signal(self, signum: int, main: asyncio.Task[int] | None) -> None:
        if not self._stop.is_set():
            log.info("%s: stopping (send again to force)", signal.Signals(signum).name)
            self._stop.set()
        elif main is not None:
            log.warning("second %s: forcing exit", signal.Signals(signum).name)
            main.cancel()

    async def _entities_complete(self) -> None:
        """Tell the link once every service has added its Home Assistant entities (a service
        that adds them late, after loading models, says so with an `entities_ready` event)."""
        events = [e for s in self.services
                  if isinstance(e := getattr(s, "entities_ready", None), asyncio.Event)]
        await asyncio.gather(*(e.wait() for e in events))
        self.link.entities_complete()

    async def _watchdog(self) -> None:
        interval = self.notifier.watchdog_interval()
        if interval is None:
            return
        while True:
            if self._all_healthy():
                self.notifier.watchdog()
            await asyncio.sleep(interval)

    def _all_healthy(self) -> bool:
        sick = {s.name for s in (self.link, *self.services) if not s.healthy()}
        for name in sick - self._unhealthy:
            log.error("%s is unhealthy: withholding the watchdog ping", name)
        for name in self._unhealthy - sick:
            log.info("%s is healthy again", name)
        self._unhealthy = sick
        return not sick

    async def _stats(self) -> None:
        meter = CpuMeter()
        while True:
            await asyncio.sleep(self.config.daemon.stats_interval_s)
            self.link.publish_state("stats", self.stats(meter))

    def stats(self, meter: CpuMeter) -> dict[str, object]:
        figures: dict[str, object] = {
            "uptime_s": round(time.monotonic() - self._started),
            "cpu_percent": meter.percent(),
            "rss_mb": round(rss_mb(), 1),
            "mqtt": self.link.stats(),
        }
        problems = [p for p in (self.link.stats().get("problem"),) if p]
        for service in self.services:
            stats = getattr(service, "stats", None)
            if callable(stats):
                figures[service.name] = stats()
            problem = getattr(service, "problem", None)
            if callable(problem) and (text := problem()):
                problems.append(f"{service.name}: {text}")
        figures["problem"] = "; ".join(problems) or None
        return figures

    def _summary(self) -> str:
        names = ", ".join(s.name for s in self.services) or "no cameras or voice configured"
        return f"node {self.config.node.id}; {names}"


def run_daemon(config: Config) -> int:
    setup_logging(config.logging)
    supervisor = Supervisor(config)
    try:
        return asyncio.run(supervisor.run())
    except asyncio.CancelledError:
        return EX_FORCED
    except Exception as exc:
        for error in getattr(exc, "exceptions", [exc]):
            log.critical("fatal: %s", error, exc_info=error)
        return EX_FAILURE
    finally:
        with contextlib.suppress(Exception):
            logging.shutdown()

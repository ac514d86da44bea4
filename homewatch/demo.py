"""`homewatch demo`: the daemon with an embedded broker, a sample clip and a spoken question,
plus a subscriber that prints what the daemon publishes. Ends by itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from homewatch.config import Config
from homewatch.daemon import Supervisor
from homewatch.errors import EX_OK
from homewatch.logsetup import setup_logging

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
QUIET_TOPICS = ("snapshot",)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_config(state_dir: Path, port: int) -> Config:
    data: dict[str, Any] = {
        "node": {"id": "demo", "name": "homewatch demo"},
        "mqtt": {"host": "127.0.0.1", "port": port, "embedded_broker": {"enabled": True}},
        "daemon": {"state_dir": str(state_dir), "stats_interval_s": 5, "drain_timeout_s": 3},
        "models": {"dir": str(state_dir / "models")},
        "logging": {"level": "WARNING"},
    }
    return Config.model_validate(data)


def describe(topic: str, payload: bytes) -> str:
    if topic.endswith(QUIET_TOPICS) or topic.startswith("homeassistant/device"):
        return f"{topic}  <{len(payload)} bytes>"
    text = payload.decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return f"{topic}  {text[:300]}"


@contextlib.contextmanager
def printing_subscriber(port: int, topics: list[str]) -> Iterator[paho.Client]:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="homewatch-demo-viewer")
    client.on_connect = lambda c, u, f, rc, p: c.subscribe([(t, 1) for t in topics])
    client.on_message = lambda c, u, m: print(describe(m.topic, bytes(m.payload)), flush=True)
    client.connect_async("127.0.0.1", port)
    client.loop_start()
    try:
        yield client
    finally:
        client.loop_stop()
        client.disconnect()


async def _run(config: Config, seconds: float) -> int:
    supervisor = Supervisor(config)
    daemon = asyncio.create_task(supervisor.run())
    await asyncio.sleep(1.0)  # the embedded broker and the daemon come up
    with printing_subscriber(config.mqtt.port, ["homewatch/#", "homeassistant/device/#"]):
        await asyncio.wait({daemon}, timeout=seconds)
        supervisor.request_stop()
        return await daemon


def run_demo(seconds: float) -> int:
    with tempfile.TemporaryDirectory(prefix="homewatch-demo-") as state:
        config = demo_config(Path(state), free_port())
        setup_logging(config.logging)
        print(f"homewatch demo: embedded broker on 127.0.0.1:{config.mqtt.port}; "
              f"printing what the daemon publishes for {seconds:.0f} s\n", flush=True)
        code = asyncio.run(_run(config, seconds))
        print("\ndemo finished", flush=True)
        return code if code is not None else EX_OK

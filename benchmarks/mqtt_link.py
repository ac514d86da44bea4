"""MQTT link throughput against a local Mosquitto, in one run:

1. raw paho QoS-1 publish (the baseline): N messages, until every PUBACK is in;
2. the same N messages through homewatch's durable outbox (disk first, then QoS 1);
3. replay after an outage: events published while the broker is down for OUTAGE seconds,
   then the time from the broker's return until the last one is acknowledged.

Usage: python benchmarks/mqtt_link.py [--messages 5000] [--outage 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homewatch.config.slices import mqtt_link
from homewatch.mqtt.link import MqttLink
from tests.support.broker import Mosquitto
from tests.support.config import make_config

PAYLOAD = {"type": "new", "camera": "front_door", "label": "person", "score": 0.81,
           "box": [120, 80, 260, 400], "zones": ["porch"]}


def raw_paho(port: int, count: int, inflight: int) -> float:
    done = threading.Event()
    acked = 0

    def on_publish(*_: object) -> None:
        nonlocal acked
        acked += 1
        if acked == count:
            done.set()

    client = paho.Client(CallbackAPIVersion.VERSION2)
    client.max_inflight_messages_set(inflight)
    client.max_queued_messages_set(0)
    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    body = json.dumps(PAYLOAD).encode()
    start = time.perf_counter()
    for _ in range(count):
        client.publish("bench/raw", body, qos=1)
    done.wait(120)
    elapsed = time.perf_counter() - start
    client.loop_stop()
    client.disconnect()
    return count / elapsed


async def wait_until(predicate: object, step: float = 0.005) -> None:
    while not predicate():  # type: ignore[operator]
        await asyncio.sleep(step)


async def through_outbox(link: MqttLink, count: int) -> float:
    await wait_until(lambda: link.connected)
    start = time.perf_counter()
    for _ in range(count):
        link.publish_event("events", PAYLOAD)
    await wait_until(lambda: link.stats()["outbox_depth"] == 0 and not link.stats()["inflight"])
    return count / (time.perf_counter() - start)


async def replay(link: MqttLink, broker: Mosquitto, count: int, outage: float
                 ) -> tuple[float, float]:
    """Messages/s from the moment the link is connected again, and the reconnect time."""
    broker.stop()
    await wait_until(lambda: not link.connected)
    for _ in range(count):
        link.publish_event("events", PAYLOAD)
        await asyncio.sleep(outage / count)
    broker.start()
    back = time.perf_counter()
    await wait_until(lambda: link.connected)
    connected = time.perf_counter()
    await wait_until(lambda: link.stats()["outbox_depth"] == 0 and not link.stats()["inflight"])
    return count / (time.perf_counter() - connected), connected - back


async def run_link(broker: Mosquitto, state: Path, count: int, outage: float
                   ) -> tuple[float, float, float]:
    config = make_config(state, broker.port, mqtt={"reconnect_max_s": 2.0})
    link = mqtt_link(config)
    task = asyncio.create_task(link.run())
    try:
        rate = await through_outbox(link, count)
        replay_rate, reconnect = await replay(link, broker, count, outage)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return rate, replay_rate, reconnect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--outage", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        broker = Mosquitto(Path(tmp))
        broker.start()
        try:
            raw = raw_paho(broker.port, args.messages, inflight=20)
            ours, replay_rate, reconnect = asyncio.run(
                run_link(broker, Path(tmp) / "state", args.messages, args.outage))
        finally:
            broker.stop()
    print(f"messages: {args.messages}, QoS 1, max in-flight 20, payload {len(str(PAYLOAD))} B")
    print(f"raw paho QoS-1 publish        : {raw:9.0f} msg/s  (baseline)")
    print(f"through the durable outbox    : {ours:9.0f} msg/s  ratio {ours / raw:.2f}x")
    print(f"replay after a {args.outage:.0f} s outage     : {replay_rate:9.0f} msg/s  "
          f"ratio {replay_rate / raw:.2f}x ({args.messages} events queued on disk; "
          f"reconnect took {reconnect:.2f} s with jittered backoff)")


if __name__ == "__main__":
    main()

"""Fault figures for docs/reliability.md, each against a baseline measured in the same run.

  auth     a wrong password: connection attempts per minute counted at the broker, with the
           default caps (baseline: refusals capped like outages, 5 s)
  outage   the broker down for --seconds: time from its return to the link reconnected, with
           the default caps (baseline: the former 60 s cap)
  payload  a 100 MB publish on `ask`: the daemon's peak RSS growth over MQTT 5 (maximum packet
           size) against MQTT 3.1.1 (nothing can refuse it before it is read)

Usage: python benchmarks/faults.py auth|outage|payload [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homewatch.config.slices import mqtt_link
from homewatch.mqtt.link import MqttLink
from tests.support.broker import USERNAME, Mosquitto
from tests.support.config import make_config
from tests.support.mqtt import Recorder

REPO = Path(__file__).resolve().parent.parent


def broker_connections(broker: Mosquitto, port: int) -> int:
    log = (broker.workdir / "mosquitto.log").read_text(errors="replace")
    return sum(f"on port {port}" in line and "New connection" in line
               for line in log.splitlines())


async def run_link(link: MqttLink, seconds: float) -> None:
    task = asyncio.create_task(link.run())
    await asyncio.sleep(seconds)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def auth(seconds: float) -> None:
    def attempts(work: Path, **mqtt: object) -> float:
        broker = Mosquitto(work)
        broker.start()
        try:
            config = make_config(work / "state", broker.tls_port, mqtt={
                "host": "localhost", "username": USERNAME, "password": "wrong",
                "tls": {"enabled": True, "ca_file": str(broker.ca_file)},
                "reconnect_min_s": 1.0, "reconnect_max_s": 5.0, **mqtt})
            asyncio.run(run_link(mqtt_link(config), seconds))
            return broker_connections(broker, broker.tls_port) * 60 / seconds
        finally:
            broker.close()

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        default = attempts(Path(a))
        baseline = attempts(Path(b), reconnect_refused_max_s=5.0)
    print(f"wrong password, {seconds:.0f} s: {default:.1f} attempts/min with the default "
          f"caps; {baseline:.1f}/min with refusals capped at 5 s "
          f"(ratio {default / baseline:.2f})")


def outage(seconds: float) -> None:
    def recovery(work: Path, cap: float) -> float:
        broker = Mosquitto(work)
        broker.start()
        config = make_config(work / "state", broker.port,
                             mqtt={"reconnect_min_s": 1.0, "reconnect_max_s": cap})
        link = mqtt_link(config)

        async def main() -> float:
            task = asyncio.create_task(link.run())
            while not link.connected:
                await asyncio.sleep(0.01)
            broker.stop()
            while link.connected:
                await asyncio.sleep(0.01)
            await asyncio.sleep(seconds)
            broker.start()
            back = time.monotonic()
            while not link.connected:
                await asyncio.sleep(0.01)
            elapsed = time.monotonic() - back
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return elapsed

        try:
            return asyncio.run(main())
        finally:
            broker.close()

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        default = recovery(Path(a), 5.0)
        baseline = recovery(Path(b), 60.0)
    print(f"{seconds:.0f} s broker outage: reconnected {default:.1f} s after the broker "
          f"returned with the default 5 s cap; {baseline:.1f} s with a 60 s cap")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def payload(size_mb: int = 100) -> None:
    def growth(work: Path, protocol: str) -> tuple[float, float]:
        broker = Mosquitto(work)
        broker.start()
        config = work / "c.yaml"
        config.write_text(yaml.safe_dump({
            "node": {"id": "testnode"},
            "mqtt": {"host": "127.0.0.1", "port": broker.port, "protocol": protocol},
            "daemon": {"state_dir": str(work / "state")}}))
        big = work / "big"
        with big.open("wb") as fh:
            fh.truncate(size_mb * 1024 * 1024)
        base = "homewatch/testnode"
        recorder = Recorder(broker.port, [f"{base}/status", f"{base}/voice/reply"])
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen([sys.executable, "-m", "homewatch", "run", "--config",
                                 str(config)], env=env, stderr=subprocess.DEVNULL)
        try:
            recorder.wait_for(lambda ms: any(m.payload == b"online" for m in ms), 120)
            before = peak_rss_mb(proc.pid)
            subprocess.run(["mosquitto_pub", "-p", str(broker.port), "-q", "1", "-t",
                            f"{base}/ask", "-f", str(big)], check=True, timeout=300)
            recorder.publish(f"{base}/ask", "what is the status")
            recorder.wait_topic(f"{base}/voice/reply", timeout=300)
            return before, peak_rss_mb(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            recorder.close()
            broker.close()

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        v5 = growth(Path(a), "5")
        v311 = growth(Path(b), "3.1.1")
    print(f"{size_mb} MB publish on ask: peak RSS {v5[0]:.0f} -> {v5[1]:.0f} MB over MQTT 5 "
          f"(+{v5[1] - v5[0]:.0f}); {v311[0]:.0f} -> {v311[1]:.0f} MB over MQTT 3.1.1 "
          f"(+{v311[1] - v311[0]:.0f}, no broker limit)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fault", choices=["auth", "outage", "payload"])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if args.fault == "auth":
        auth(args.seconds)
    elif args.fault == "outage":
        outage(args.seconds)
    else:
        payload()


if __name__ == "__main__":
    main()

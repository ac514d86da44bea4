"""`homewatch demo`: the daemon with an embedded broker, a sample clip and a spoken question,
plus a subscriber that prints what the daemon publishes. Ends by itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import tempfile
import wave
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from homewatch.config import Config
from homewatch.core.errors import EX_OK, HomewatchError
from homewatch.models.catalog import pull
from homewatch.runtime.daemon import Supervisor
from homewatch.runtime.logsetup import setup_logging

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
QUIET_TOPICS = ("snapshot",)
QUESTION = EXAMPLES / "audio" / "anyone_at_the_front_door.wav"
QUESTION_DELAY_S = 6.0  # let the camera watch the plaza for a while before asking
DETECTOR = "ssd_mobilenet_v1_coco_quant.tflite"
LABELS = "coco_labels.txt"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_detector(models_dir: Path) -> dict[str, str]:
    """The COCO SSD from a local copy, else `homewatch models pull`, else HOG (zero downloads)."""
    shared = Path(os.environ.get("HOMEWATCH_SHARED", REPO.parent / "shared")) / "models"
    for folder in (shared, models_dir):
        if (folder / DETECTOR).is_file() and (folder / LABELS).is_file():
            return {"model": str(folder / DETECTOR), "labels": str(folder / LABELS)}
    try:
        pull("ssd-mobilenet-v1", models_dir)
    except HomewatchError as exc:
        print(f"(no detector model: {exc}; using the built-in HOG people detector)")
        return {"kind": "hog"}
    return {"model": str(models_dir / DETECTOR), "labels": str(models_dir / LABELS)}


def padded_wav(source: Path, dest: Path, before_s: float, after_s: float = 2.0) -> Path:
    """`source` with silence before and after: a microphone that speaks up after a while."""
    with wave.open(str(source), "rb") as wav:
        params, frames = wav.getparams(), wav.readframes(wav.getnframes())
    frame_bytes = params.sampwidth * params.nchannels
    silence = b"\x00" * frame_bytes

    def pause(seconds: float) -> bytes:
        return silence * int(seconds * params.framerate)

    with wave.open(str(dest), "wb") as out:
        out.setparams(params)
        out.writeframes(pause(before_s) + frames + pause(after_s))
    return dest


def demo_config(state_dir: Path, port: int) -> Config:
    data: dict[str, Any] = {
        "node": {"id": "demo", "name": "homewatch demo"},
        "mqtt": {"host": "127.0.0.1", "port": port, "embedded_broker": {"enabled": True}},
        "daemon": {"state_dir": str(state_dir), "stats_interval_s": 5, "drain_timeout_s": 3},
        "models": {"dir": str(state_dir / "models")},
        "logging": {"level": "WARNING"},
        "cameras": [{"name": "front_door", "source": str(EXAMPLES / "media" / "plaza.avi"),
                     "loop": True, "detect_fps": 5}],
        "vision": {"detector": find_detector(state_dir / "models")},
        "voice": {"enabled": True,
                  "source": {"type": "wav", "path": str(padded_wav(
                      QUESTION, state_dir / "microphone.wav", QUESTION_DELAY_S))}},
    }
    return Config.model_validate(data)


class Viewer:
    """Prints what is worth reading; counts the rest (snapshots, event updates, stats)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.counts: Counter[str] = Counter()
        self.replied = asyncio.Event()
        self._loop = loop

    def on_message(self, topic: str, payload: bytes) -> None:
        self.counts[topic] += 1
        if topic.endswith("/voice/reply"):
            self._loop.call_soon_threadsafe(self.replied.set)
        line = self.describe(topic, payload)
        if line:
            print(line, flush=True)

    def describe(self, topic: str, payload: bytes) -> str | None:
        if topic.startswith("homeassistant/device"):
            entities = len(json.loads(payload).get("cmps", {}))
            return f"{topic}  <Home Assistant discovery: {entities} entities>"
        if topic.endswith(QUIET_TOPICS) or topic.endswith("/stats"):
            return None
        if topic.endswith("/voice/reply"):
            reply = json.loads(payload)
            return (f"\n>>> {topic}\n>>> question: {reply['question']!r}\n"
                    f">>> answer:   {reply['text']!r}  (intent {reply['intent']}, "
                    f"confidence {reply['confidence']:.2f})\n")
        text = payload.decode("utf-8", "replace")
        with contextlib.suppress(ValueError):
            data = json.loads(text)
            if isinstance(data, dict) and data.get("type") == "update":
                return None
            text = json.dumps(data, ensure_ascii=False)
        return f"{topic}  {text[:240]}"

    def summary(self) -> str:
        rows = [f"  {n:6d}  {topic}" for topic, n in sorted(self.counts.items())]
        return "\n".join(["messages received per topic:", *rows])


@contextlib.contextmanager
def subscriber(port: int, topics: list[str], viewer: Viewer) -> Iterator[paho.Client]:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="homewatch-demo-viewer")
    client.on_connect = lambda c, u, f, rc, p: c.subscribe([(t, 1) for t in topics])
    client.on_message = lambda c, u, m: viewer.on_message(m.topic, bytes(m.payload))
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
    viewer = Viewer(asyncio.get_running_loop())
    with subscriber(config.mqtt.port, ["homewatch/#", "homeassistant/device/#"], viewer):
        replied = asyncio.create_task(viewer.replied.wait())
        await asyncio.wait({daemon, replied}, timeout=seconds,
                           return_when=asyncio.FIRST_COMPLETED)
        await asyncio.sleep(1.0)  # the last messages after the reply
        replied.cancel()
        supervisor.request_stop()
        code = await daemon
    print("\n" + viewer.summary())
    return code


def run_demo(seconds: float) -> int:
    with tempfile.TemporaryDirectory(prefix="homewatch-demo-") as state:
        config = demo_config(Path(state), free_port())
        setup_logging(config.logging)
        print(f"homewatch demo: embedded broker on 127.0.0.1:{config.mqtt.port}; camera "
              f"'front_door' replays {QUESTION.parent.parent.name}/media/plaza.avi; in "
              f"{QUESTION_DELAY_S:.0f} s the microphone hears \"hey homewatch, is anyone at the "
              f"front door?\"\nprinting what the daemon publishes (at most {seconds:.0f} s)\n",
              flush=True)
        code = asyncio.run(_run(config, seconds))
        print("\ndemo finished", flush=True)
        return code if code is not None else EX_OK

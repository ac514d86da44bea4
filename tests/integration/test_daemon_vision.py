"""The daemon with a camera, on a real broker: person events, counts, discovery, snapshots."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from homewatch.runtime.daemon import Supervisor
from tests.conftest import DETECTOR, LABELS, REPO
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.mqtt import Recorder

BASE = "homewatch/testnode"
CLIP = REPO / "examples" / "media" / "plaza.avi"


def camera_config(tmp_path: Path, port: int):  # type: ignore[no-untyped-def]
    return make_config(tmp_path, port, cameras=[
        {"name": "front_door", "source": str(CLIP), "realtime": True, "detect_fps": 5}],
        vision={"detector": {"model": str(DETECTOR), "labels": str(LABELS)}})


def test_daemon_publishes_person_events_counts_and_entities(mosquitto: Mosquitto,
                                                            tmp_path: Path) -> None:
    recorder = Recorder(mosquitto.port, [f"{BASE}/#", "homeassistant/device/#"])
    supervisor = Supervisor(camera_config(tmp_path, mosquitto.port))

    async def main() -> int:
        daemon = asyncio.create_task(supervisor.run())
        await asyncio.to_thread(recorder.wait_for, lambda ms: sum(
            m.topic == f"{BASE}/events" and b'"new"' in m.payload for m in ms) >= 3, 60)
        supervisor.request_stop()
        return await daemon

    assert asyncio.run(main()) == 0
    events = [json.loads(m.payload) for m in recorder.on(f"{BASE}/events")]
    people = [e for e in events if e["label"] == "person" and e["type"] == "new"]
    assert len(people) >= 3 and all(e["camera"] == "front_door" for e in people)
    assert max(int(m.payload) for m in recorder.on(f"{BASE}/front_door/person")) >= 3
    snapshot = recorder.on(f"{BASE}/front_door/snapshot")[-1]
    assert snapshot.payload[:2] == b"\xff\xd8"  # JPEG
    topic = "homeassistant/device/homewatch_testnode/config"
    discovery = json.loads(recorder.on(topic)[-1].payload)
    platforms = {c["p"] for c in discovery["cmps"].values()}
    assert {"binary_sensor", "sensor", "camera", "switch", "button", "text"} <= platforms
    assert recorder.on(f"{BASE}/front_door/status")[-1].payload == b"offline"
    assert recorder.on(f"{BASE}/status")[-1].payload == b"offline"
    recorder.close()

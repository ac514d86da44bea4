"""The daemon removes a camera and a label that left the config (real broker, real detector)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from homewatch.runtime.daemon import Supervisor
from tests.conftest import DETECTOR, LABELS, REPO
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.mqtt import Received, Recorder

CLIP = REPO / "examples" / "media" / "plaza.avi"
DEVICE_TOPIC = "homeassistant/device/homewatch_testnode/config"


def config(state: Path, port: int, cameras: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    return make_config(state, port, cameras=[
        {"name": name, "source": str(CLIP), "realtime": True, "loop": True, "detect_fps": 2,
         "track": track} for name, track in cameras.items()],
        vision={"detector": {"model": str(DETECTOR), "labels": str(LABELS)}})


def run_until(supervisor: Supervisor, recorder: Recorder, done: Any) -> None:
    async def main() -> int:
        daemon = asyncio.create_task(supervisor.run())
        await asyncio.to_thread(recorder.wait_for, done, 60)
        supervisor.request_stop()
        return await daemon

    assert asyncio.run(main()) == 0


def cmps(message: Received) -> dict[str, Any]:
    components: dict[str, Any] = json.loads(message.payload)["cmps"]
    return components


def test_daemon_removes_a_dropped_camera_and_label(mosquitto: Mosquitto, tmp_path: Path) -> None:
    state = tmp_path / "state"
    recorder = Recorder(mosquitto.port, ["homeassistant/device/#"])
    first = Supervisor(config(state, mosquitto.port,
                              {"front_door": ["person", "car"], "garden": ["person"]}))
    # The first payload may go out before every service added its entities; the memory is
    # written once the complete one is reconciled, so wait for that too.
    run_until(first, recorder, lambda ms: any(
        m.topic == DEVICE_TOPIC and "garden_motion" in cmps(m) for m in ms)
        and (state / "ha_announced.json").exists())
    assert (state / "ha_announced.json").exists()

    second = Supervisor(config(state, mosquitto.port, {"front_door": ["person"]}))
    before = len(recorder.on(DEVICE_TOPIC))
    run_until(second, recorder, lambda ms: any(
        m.topic == DEVICE_TOPIC and "garden_motion" in cmps(m) for m in ms[before:]))
    latest = cmps(recorder.on(DEVICE_TOPIC)[-1])
    assert latest["garden_motion"] == {"p": "binary_sensor"}
    assert latest["garden_person_count"] == {"p": "sensor"}
    assert latest["front_door_car_occupancy"] == {"p": "binary_sensor"}
    assert latest["front_door_person_occupancy"]["name"] == "Front door person"
    # No payload of the second run removed something that is still configured.
    for message in recorder.on(DEVICE_TOPIC)[before:]:
        assert len(cmps(message).get("front_door_motion", {"p": 1, "x": 2})) > 1
    recorder.close()

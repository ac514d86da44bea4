"""Ghost entities: components that are gone get removal entries, against a real Mosquitto."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from homewatch.config.slices import ANNOUNCED_FILE, mqtt_link
from homewatch.core.api import Api
from homewatch.mqtt.link import MqttLink
from homewatch.runtime.api import node_api
from homewatch.vision.api import VISION, camera_components
from homewatch.vision.config import CameraConfig
from tests.foundation.test_link import with_link
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.mqtt import Recorder
from tests.support.waiting import eventually

BASE = "homewatch/testnode"
DEVICE_TOPIC = "homeassistant/device/homewatch_testnode/config"


def cameras(**tracks: tuple[str, ...]) -> list[tuple[CameraConfig, tuple[str, ...]]]:
    return [(CameraConfig(name=name, source="x.avi"), labels) for name, labels in tracks.items()]


def start_link(state: Path, port: int, cams: list[tuple[CameraConfig, tuple[str, ...]]],
               node: str = "testnode") -> MqttLink:
    link = mqtt_link(make_config(state, port, node={"id": node}))
    link.add_api(node_api())
    for camera, labels in cams:
        link.add_api(Api(VISION, components=camera_components(camera, labels)))
    return link


def memory(state: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((state / ANNOUNCED_FILE).read_text())
    return data


def retained(port: int, topic: str) -> list[bytes]:
    """What a new subscriber gets on `topic` right away: the retained message, if any."""
    probe = Recorder(port, [topic, "probe/done"])
    probe.publish("probe/done", "x")  # the broker sends retained messages before this one
    probe.wait_topic("probe/done")
    probe.close()
    return [m.payload for m in probe.on(topic)]


def run(link: MqttLink, recorder: Recorder, *, complete: bool = True, birth: bool = False,
        states: dict[str, str] | None = None) -> None:
    """One daemon run: until its discovery payload (and, with `birth`, the answer to Home
    Assistant's birth message) is acknowledged by the broker."""
    before = len(recorder.on(DEVICE_TOPIC))

    async def body(link: MqttLink) -> None:
        for suffix, value in (states or {}).items():
            link.publish_state(suffix, value)
        if complete:
            link.entities_complete()
        await eventually(lambda: len(recorder.on(DEVICE_TOPIC)) > before)
        if birth:
            answered = asyncio.Event()
            republish = link._publish_retained

            def spy(after_birth: bool = False) -> None:
                republish(after_birth)
                if after_birth:
                    answered.set()

            link._publish_retained = spy  # type: ignore[method-assign]
            recorder.publish("homeassistant/status", "online")
            await asyncio.wait_for(answered.wait(), 15)
        # every tracked payload acknowledged
        await eventually(lambda: not link.announcer.deliveries)

    with_link(link, body)


def last_payload(recorder: Recorder, topic: str = DEVICE_TOPIC) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(recorder.on(topic)[-1].payload)
    return payload


def test_removed_camera_gets_removal_entries_and_its_topics_cleared(mosquitto: Mosquitto,
                                                                    tmp_path: Path) -> None:
    state = tmp_path / "state"
    recorder = Recorder(mosquitto.port, ["homeassistant/device/#"])
    run(start_link(state, mosquitto.port, cameras(front_door=("person",), garden=("dog",))),
        recorder, states={"garden/motion": "ON", "garden/dog": "1", "garden/detect": "ON",
                          "garden/status": "online", "front_door/person": "2"})
    assert "garden_motion" in last_payload(recorder)["cmps"]
    assert retained(mosquitto.port, f"{BASE}/garden/motion") == [b"ON"]

    run(start_link(state, mosquitto.port, cameras(front_door=("person",))), recorder)
    cmps = last_payload(recorder)["cmps"]
    garden = {k: v for k, v in cmps.items() if k.startswith("garden_")}
    assert garden == {
        "garden_motion": {"p": "binary_sensor"}, "garden_snapshot": {"p": "camera"},
        "garden_detect": {"p": "switch"}, "garden_take_snapshot": {"p": "button"},
        "garden_status": {"p": "binary_sensor"}, "garden_dog_occupancy": {"p": "binary_sensor"},
        "garden_dog_count": {"p": "sensor"}}
    assert cmps["front_door_motion"]["stat_t"] == "~/front_door/motion"
    for suffix in ("motion", "dog", "detect", "status", "snapshot"):
        assert retained(mosquitto.port, f"{BASE}/garden/{suffix}") == []
    assert retained(mosquitto.port, f"{BASE}/front_door/person") == [b"2"]
    removals = memory(state)["devices"][DEVICE_TOPIC]["removals"]
    assert set(removals) == set(garden)
    assert all(r["delivered_at"] is not None for r in removals.values())
    recorder.close()


def test_removals_are_dropped_once_home_assistant_saw_them(mosquitto: Mosquitto,
                                                          tmp_path: Path) -> None:
    state = tmp_path / "state"
    recorder = Recorder(mosquitto.port, ["homeassistant/device/#"])
    run(start_link(state, mosquitto.port, cameras(front_door=("person", "car"))), recorder)
    # Still kept after a restart without Home Assistant's birth message...
    run(start_link(state, mosquitto.port, cameras(front_door=("person",))), recorder)
    run(start_link(state, mosquitto.port, cameras(front_door=("person",))), recorder)
    assert last_payload(recorder)["cmps"]["front_door_car_count"] == {"p": "sensor"}
    # ...and dropped once a payload carrying them answered Home Assistant's birth message.
    run(start_link(state, mosquitto.port, cameras(front_door=("person",))), recorder,
        birth=True)
    assert last_payload(recorder)["cmps"]["front_door_car_occupancy"] == {"p": "binary_sensor"}
    assert memory(state)["devices"][DEVICE_TOPIC]["removals"] == {}
    run(start_link(state, mosquitto.port, cameras(front_door=("person",))), recorder)
    cmps = last_payload(recorder)["cmps"]
    assert not any(k.startswith("front_door_car") for k in cmps)
    assert "front_door_person_count" in cmps
    recorder.close()


def test_a_component_that_comes_back_is_announced_in_full(mosquitto: Mosquitto,
                                                          tmp_path: Path) -> None:
    state = tmp_path / "state"
    recorder = Recorder(mosquitto.port, ["homeassistant/device/#"])
    run(start_link(state, mosquitto.port, cameras(front_door=("person", "car"))), recorder)
    run(start_link(state, mosquitto.port, cameras(front_door=("person",))), recorder)
    run(start_link(state, mosquitto.port, cameras(front_door=("person", "car"))), recorder)
    car = last_payload(recorder)["cmps"]["front_door_car_count"]
    assert car["p"] == "sensor" and car["stat_t"] == "~/front_door/car"
    assert memory(state)["devices"][DEVICE_TOPIC]["removals"] == {}
    recorder.close()


def test_nothing_is_removed_while_services_are_still_adding_entities(mosquitto: Mosquitto,
                                                                      tmp_path: Path) -> None:
    state = tmp_path / "state"
    recorder = Recorder(mosquitto.port, ["homeassistant/device/#"])
    run(start_link(state, mosquitto.port, cameras(front_door=("person",))), recorder)
    # The camera's entities are not added yet (its service is still loading its model).
    run(start_link(state, mosquitto.port, []), recorder, complete=False)
    cmps = last_payload(recorder)["cmps"]
    assert all(len(c) > 1 for c in cmps.values())  # no removal entry
    assert "front_door_motion" in memory(state)["devices"][DEVICE_TOPIC]["components"]
    recorder.close()


def test_renamed_node_removes_the_old_device(mosquitto: Mosquitto, tmp_path: Path) -> None:
    state = tmp_path / "state"
    old_topic = "homeassistant/device/homewatch_oldname/config"
    recorder = Recorder(mosquitto.port, ["homeassistant/device/#"])

    async def first(link: MqttLink) -> None:
        link.publish_state("front_door/motion", "ON")
        link.entities_complete()
        await eventually(lambda: len(recorder.on(old_topic)) == 1)

    with_link(start_link(state, mosquitto.port, cameras(front_door=("person",)), "oldname"),
              first)
    run(start_link(state, mosquitto.port, cameras(front_door=("person",))), recorder)
    old = last_payload(recorder, old_topic)
    assert old["dev"]["ids"] == ["homewatch_oldname"]
    assert old["cmps"]["front_door_motion"] == {"p": "binary_sensor"}
    assert old["cmps"]["stats_cpu"] == {"p": "sensor"}
    assert retained(mosquitto.port, "homewatch/oldname/front_door/motion") == []
    assert last_payload(recorder)["cmps"]["front_door_motion"]["~"] == BASE

    run(start_link(state, mosquitto.port, cameras(front_door=("person",))), recorder,
        birth=True)
    recorder.wait_for(lambda ms: any(m.topic == old_topic and not m.payload for m in ms))
    assert retained(mosquitto.port, old_topic) == []
    assert list(memory(state)["devices"]) == [DEVICE_TOPIC]
    recorder.close()


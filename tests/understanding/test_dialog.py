"""Dialog flows on constructed scenes, through the real committed model."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging

import pytest

from homewatch.config.slices import dialog_setup
from homewatch.core.bus import MemoryBus
from homewatch.understanding.service import DialogService
from tests.understanding.conftest import NOW, History, Scenes, confirmed, flicker, person, scene


def test_presence_yes_with_count_and_age(service: DialogService, scenes: Scenes,
                                         bus: MemoryBus) -> None:
    scenes.set(scene("front_door", person=person(1), last_seen={"person": NOW - 2}))
    reply = asyncio.run(service.ask("is anyone at the front door"))
    assert reply.intent == "ask_presence"
    assert reply.answer is True
    assert reply.count == 1
    assert reply.camera == "front_door"
    assert reply.text == "Yes, one person at the front door, seen 2 seconds ago."
    published = bus.json_events("voice/reply")[-1]
    assert published["text"] == reply.text
    assert {"id", "question", "text", "intent", "object", "camera", "answer", "confidence",
            "count", "ts"} <= published.keys()


def test_presence_no_on_flicker(service: DialogService, scenes: Scenes) -> None:
    scenes.set(scene("back_door", person=flicker(), motion=0.7))
    reply = asyncio.run(service.ask("is there someone at the back door"))
    assert reply.answer is False
    assert reply.text.startswith("No")


def test_fuzzy_camera_name(service: DialogService, scenes: Scenes) -> None:
    scenes.set(scene("front_door", person=person(2)))
    reply = asyncio.run(service.ask("how many people are at the front store"))
    assert reply.camera == "front_door"
    assert reply.intent == "ask_count"
    assert reply.count == 2


def test_camera_alias_and_explicit_camera(service: DialogService, scenes: Scenes) -> None:
    scenes.set(scene("front_door", dog=person(1)))
    reply = asyncio.run(service.ask("do you see a dog at the entrance"))
    assert (reply.camera, reply.object, reply.answer) == ("front_door", "dog", True)
    scenes.set(scene("garden", cat=person(1)))
    reply = asyncio.run(service.ask("is there a cat", camera="garden"))
    assert (reply.camera, reply.answer) == ("garden", True)


def test_describe_lists_real_objects_not_flickers(service: DialogService,
                                                  scenes: Scenes) -> None:
    scenes.set(scene("garden", person=person(2), dog=person(1), bird=flicker()))
    reply = asyncio.run(service.ask("what do you see in the garden"))
    assert reply.intent == "describe"
    assert reply.text == "Two people and one dog in the garden."


def test_describe_names_only_labels_the_camera_tracks(service: DialogService,
                                                            scenes: Scenes) -> None:
    seen = scene("front_door", person=person(2), car=person(1))
    scenes.set(dataclasses.replace(seen, tracked=frozenset({"person"})))
    reply = asyncio.run(service.ask("what do you see at the front door"))
    assert reply.intent == "describe"
    assert reply.text == "Two people at the front door."
    assert reply.count == 2
    scenes.set(dataclasses.replace(seen, tracked=frozenset({"person", "car"})))
    reply = asyncio.run(service.ask("what do you see at the front door"))
    assert reply.text == "Two people and one car at the front door."


def test_lights(service: DialogService, scenes: Scenes) -> None:
    scenes.set(scene("garden", brightness=0.08))
    reply = asyncio.run(service.ask("are the lights on in the garden"))
    assert reply.intent == "ask_lights"
    assert reply.answer is False
    assert "dark" in reply.text
    scenes.set(scene("garden", brightness=0.7))
    assert asyncio.run(service.ask("are the lights on in the garden")).answer is True
    assert asyncio.run(service.ask("is it dark in the garden")).answer is False


def test_last_seen_from_history(service: DialogService, history: History) -> None:
    history.events.append(("person", "front_door", NOW - 300))
    reply = asyncio.run(service.ask("when did you last see someone at the front door"))
    assert reply.intent == "last_seen"
    assert reply.text == "I last saw a person at the front door 5 minutes ago."
    reply = asyncio.run(service.ask("when did you last see a dog"))
    assert reply.text == "I haven't seen any dogs."


def test_snapshot_uses_the_hook(tmp_path: object, bus: MemoryBus, scenes: Scenes,
                                history: History, model: object) -> None:
    from homewatch.understanding.model import FusionModel
    from tests.understanding.conftest import make_config

    taken: list[str] = []

    async def snap(camera: str) -> None:
        taken.append(camera)

    assert isinstance(model, FusionModel)
    svc = DialogService(dialog_setup(make_config(tmp_path)), bus, scenes, history,  # type: ignore[arg-type]
                        snapshot=snap, model=model)
    try:
        reply = asyncio.run(svc.ask("take a snapshot of the garden"))
    finally:
        svc.close()
    assert reply.intent == "snapshot"
    assert taken == ["garden"]


def test_device_on_publishes_intent(service: DialogService, bus: MemoryBus) -> None:
    reply = asyncio.run(confirmed(service, "turn on the porch light"))
    assert reply.intent == "device_on"
    [event] = bus.json_events("intent/device_on")
    assert event["device"] == "porch_light"
    assert event["state"] == "ON"
    reply = asyncio.run(confirmed(service, "switch off the kitchen light"))
    assert reply.intent == "device_off"
    assert bus.json_events("intent/device_off")[0]["device"] == "kitchen_light"


def test_unknown_says_so(service: DialogService) -> None:
    reply = asyncio.run(service.ask("what is the capital of france"))
    assert reply.intent == "unknown"
    assert "didn't catch" in reply.text


def test_status(service: DialogService, scenes: Scenes) -> None:
    scenes.set(scene("front_door"))
    reply = asyncio.run(service.ask("what is the status"))
    assert reply.intent == "status"
    assert "alarm disarmed" in reply.text


def test_disarm_needs_the_right_pin_and_is_rate_limited(
        service: DialogService, bus: MemoryBus, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    asyncio.run(confirmed(service, "arm the system"))
    assert bus.states["alarm/state"] == b"armed_away"
    reply = asyncio.run(confirmed(service, "disarm the system"))
    assert reply.intent == "disarm"
    assert "need the alarm code" in reply.text
    for _ in range(3):
        reply = asyncio.run(confirmed(service, "disarm the system nine nine nine nine"))
    assert "Too many wrong codes" in reply.text
    # right, but locked
    reply = asyncio.run(confirmed(service, "disarm the system one two three four"))
    assert "Too many wrong codes" in reply.text
    assert bus.states["alarm/state"] == b"armed_away"
    assert "wrong code" in caplog.text
    assert "9999" not in caplog.text and "1234" not in caplog.text


def test_disarm_with_the_right_pin(service: DialogService, bus: MemoryBus) -> None:
    asyncio.run(confirmed(service, "arm the system"))
    reply = asyncio.run(confirmed(service, "disarm the system one two three four"))
    assert reply.text == "Alarm disarmed."
    assert bus.states["alarm/state"] == b"disarmed"


def test_alarm_over_mqtt(service: DialogService, bus: MemoryBus) -> None:
    asyncio.run(bus.send("alarm/set", b"ARM_HOME"))
    assert bus.states["alarm/state"] == b"armed_home"
    asyncio.run(bus.send("alarm/set", b'{"action": "DISARM", "code": "0000"}'))
    assert [e["code"] for e in bus.json_events("error")] == ["wrong_code"]
    asyncio.run(bus.send("alarm/set", b'{"action": "DISARM", "code": "1234"}'))
    assert bus.states["alarm/state"] == b"disarmed"
    asyncio.run(bus.send("alarm/set", b"EXPLODE"))
    assert [e["code"] for e in bus.json_events("error")] == ["wrong_code", "bad_request"]


@pytest.mark.parametrize("payload", [b"", b"   ", b"{not json", b'{"id": 3}', b'{"text": 5}',
                                     b'{"text": "hi", "camera": "moon"}', b"\xff\xfe",
                                     b"x" * 600])
def test_malformed_ask_is_rejected(service: DialogService, bus: MemoryBus,
                                   payload: bytes) -> None:
    asyncio.run(bus.send("ask", payload))
    [error] = bus.json_events("error")
    assert error["code"] not in ("internal", "bad_payload")  # refused by the handler itself
    assert bus.json_events("voice/reply") == []


def test_ask_command_json_with_id(service: DialogService, bus: MemoryBus,
                                  scenes: Scenes) -> None:
    scenes.set(scene("garden", person=person(1)))
    asyncio.run(bus.send("ask", json.dumps({"text": "is anyone there", "id": "q1",
                                            "camera": "garden"}).encode()))
    [reply] = bus.json_events("voice/reply")
    assert (reply["id"], reply["camera"], reply["answer"]) == ("q1", "garden", True)
    assert bus.json_events("error") == []


def test_discovery_entities(service: DialogService, bus: MemoryBus) -> None:
    assert bus.entities["reply"]["p"] == "event"
    assert bus.entities["ask"]["command_topic"] == "~/ask"
    assert bus.entities["alarm"]["p"] == "alarm_control_panel"

"""Watches: fire once with hysteresis, never on flicker, survive restarts, MQTT control."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from homewatch.config.slices import dialog_setup
from homewatch.core.bus import MemoryBus
from homewatch.understanding.model import FusionModel
from homewatch.understanding.service import DialogService
from homewatch.understanding.watches import Hysteresis, WatchStore
from tests.understanding.conftest import (
    History,
    Scenes,
    confirmed,
    flicker,
    make_config,
    person,
    scene,
)


def test_watch_fires_once_and_not_on_flicker(service: DialogService, scenes: Scenes,
                                             bus: MemoryBus) -> None:
    reply = asyncio.run(service.ask("tell me when someone is at the back door"))
    assert reply.intent == "watch_start"
    [watch] = json.loads(bus.states["watches"])
    assert (watch["camera"], watch["object"]) == ("back_door", "person")

    scenes.set(scene("back_door", motion=0.8, person=flicker()))  # the swaying tree
    for _ in range(3):
        assert asyncio.run(service.check_watches()) == []
    scenes.set(scene("back_door", person=person(1)))
    fired = [w for _ in range(5) for w in asyncio.run(service.check_watches())]
    assert len(fired) == 1
    announced = [r for r in bus.json_events("voice/reply") if r["intent"] == "watch_fired"]
    assert announced[0]["text"] == "1 person is at the back door."
    assert len(bus.json_events("watches/fired")) == 1


def test_hysteresis_rearms_only_after_a_quiet_spell(tmp_path: Path) -> None:
    store = WatchStore(tmp_path / "w.json", Hysteresis(on=0.7, off=0.3, clear_s=10))
    watch = store.add("garden", "person", "tell me", now=0)
    assert store.update(watch.id, 0.9, 1) is not None
    assert store.update(watch.id, 0.9, 2) is None
    assert store.update(watch.id, 0.1, 3) is None  # quiet starts
    assert store.update(watch.id, 0.5, 8) is None  # not quiet: restarts the spell
    assert store.update(watch.id, 0.1, 9) is None
    assert store.update(watch.id, 0.9, 12) is None  # only 3 s quiet: still disarmed
    assert store.update(watch.id, 0.1, 13) is None
    assert store.update(watch.id, 0.1, 24) is None  # 11 s quiet: re-armed
    assert store.update(watch.id, 0.95, 25) is not None


def test_watches_persist_and_stop_by_voice(tmp_path: Path, scenes: Scenes,
                                           history: History, model: FusionModel) -> None:
    config = make_config(tmp_path)
    first = DialogService(dialog_setup(config), MemoryBus(), scenes, history, model=model)
    asyncio.run(first.ask("let me know when a car arrives in the garden"))
    first.close()
    bus = MemoryBus()
    second = DialogService(dialog_setup(config), bus, scenes, history, model=model)
    try:
        assert [(w.camera, w.object) for w in second.watches.all()] == [("garden", "car")]
        reply = asyncio.run(confirmed(second, "stop watching the garden"))
        assert reply.intent == "watch_stop"
        assert json.loads(bus.states["watches"]) == []
    finally:
        second.close()


def test_watches_over_mqtt(service: DialogService, bus: MemoryBus) -> None:
    asyncio.run(bus.send("watches/set", b'{"action": "add", "camera": "garden", "object": "dog"}'))
    [watch] = json.loads(bus.states["watches"])
    asyncio.run(bus.send("watches/set",
                         json.dumps({"action": "remove", "id": watch["id"]}).encode()))
    assert json.loads(bus.states["watches"]) == []
    assert bus.json_events("error") == []
    for bad in (b"nope", b'{"action": "add", "camera": "moon"}',
                b'{"action": "remove", "id": "zz"}', b'{"action": "dance"}'):
        asyncio.run(bus.send("watches/set", bad))
    codes = [e["code"] for e in bus.json_events("error")]
    assert codes == ["bad_json", "unknown_camera", "not_found", "bad_request"]


def test_corrupt_watch_file_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "watches.json"
    path.write_text("{broken")
    store = WatchStore(path)
    assert len(store) == 0
    [broken] = tmp_path.glob("watches.json.broken-*")
    assert broken.read_text() == "{broken"

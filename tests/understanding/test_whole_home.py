"""Questions about the whole home: scope, counting across cameras, where, emptiness, summaries."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from homewatch.config import Config, validate_data
from homewatch.config.slices import dialog_setup
from homewatch.core.bus import MemoryBus
from homewatch.core.errors import EX_CONFIG, ConfigError
from homewatch.understanding.alarm import Alarm
from homewatch.understanding.config import AlarmConfig, UnderstandingConfig
from homewatch.understanding.gazetteer import Gazetteer
from homewatch.understanding.model import FusionModel
from homewatch.understanding.replies import Reply
from homewatch.understanding.scope import clusters, combined_count, resolve_scope
from homewatch.understanding.service import DialogService
from homewatch.vision.events import ObjectEvent
from homewatch.vision.history import SqliteHistory
from tests.conftest import REPO
from tests.understanding.conftest import CAMERAS, NOW, Scenes, person, scene

GROUPS = {"outside": ["front_door", "back_door", "driveway", "garden", "backyard"],
          "inside": ["kitchen", "garage", "living_room"]}


def home_config(state_dir: Path, **camera_options: dict[str, object]) -> Config:
    return validate_data({
        "node": {"id": "test"}, "daemon": {"state_dir": str(state_dir)},
        "cameras": [{"name": c, "source": f"{c}.avi", **camera_options.get(c, {})}
                    for c in CAMERAS],
        "understanding": {"camera_groups": GROUPS,
                          "camera_names": {"backyard": ["back yard"]}},
    })


@pytest.fixture
def history(tmp_path: Path) -> Iterator[SqliteHistory]:
    db = SqliteHistory(tmp_path / "events.sqlite", retention_days=30)
    yield db
    db.close()


@pytest.fixture
def home(tmp_path: Path, scenes: Scenes, history: SqliteHistory,
         model: FusionModel) -> Iterator[DialogService]:
    for camera in CAMERAS:
        scenes.set(scene(camera))
    scenes.set(scene("backyard", person=person(10), last_seen={"person": NOW - 1}))
    svc = DialogService(dialog_setup(home_config(tmp_path)), MemoryBus(), scenes, history,
                        model=model, clock=lambda: NOW)
    yield svc
    svc.close()


def ask(service: DialogService, text: str) -> Reply:
    return asyncio.run(service.ask(text))


# ---- scope ---------------------------------------------------------------------------------

def scope_of(text: str) -> str:
    config = UnderstandingConfig.model_validate({"camera_groups": GROUPS})
    gazetteer = Gazetteer.from_config(config, CAMERAS)
    return resolve_scope(gazetteer.find(text), None, GROUPS, CAMERAS).label


@pytest.mark.parametrize(("text", "label"), [
    ("is anyone at the front door", "front_door"),
    ("is anyone outside the garage", "garage"),
    ("is anyone home", "all"),
    ("is there a dog anywhere", "all"),
    ("how many people are there", "all"),
    ("is anyone outside", "group:outside"),
    ("is it clear outdoors", "group:outside"),
    ("is there anybody in the house", "group:inside"),
    ("any cats indoors", "group:inside"),
])
def test_scope(text: str, label: str) -> None:
    assert scope_of(text) == label


def test_overlapping_cameras_count_once() -> None:
    overlaps = {"front_door": ("driveway",), "garden": ("backyard",)}
    assert sorted(map(sorted, clusters(["front_door", "driveway", "garden", "backyard", "kitchen"],
                                       overlaps))) == [["backyard", "garden"],
                                                       ["driveway", "front_door"], ["kitchen"]]
    counts = {"front_door": 2, "driveway": 3, "garden": 1, "backyard": 4, "kitchen": 1}
    assert combined_count(counts, overlaps) == 3 + 4 + 1
    assert combined_count(counts, {}) == 11


def test_unknown_cameras_in_groups_and_overlaps_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_data({"cameras": [{"name": "front_door", "source": "a.avi",
                                    "overlaps_with": ["drivway"]}],
                       "understanding": {"camera_groups": {"outside": ["front_door",
                                                                       "gardn"]}}})
    text = str(caught.value)
    assert "understanding.camera_groups.outside[1]: unknown camera 'gardn'" in text
    assert "cameras[0].overlaps_with[0]: unknown camera 'drivway'" in text
    path = tmp_path / "c.yaml"
    path.write_text("cameras:\n  - {name: front_door, source: a.avi}\nunderstanding:\n"
                    "  camera_groups:\n    outside: [front_door, gardn]\n")
    done = subprocess.run([sys.executable, "-m", "homewatch", "check-config", "--config",
                           str(path)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == EX_CONFIG
    assert "c.yaml:5: understanding.camera_groups.outside[1]: unknown camera 'gardn'" \
        in done.stderr


# ---- answers -------------------------------------------------------------------------------

def test_a_question_without_a_place_covers_every_camera(home: DialogService) -> None:
    reply = ask(home, "is anyone home")
    assert (reply.answer, reply.camera, reply.count) == (True, "backyard", 10)
    assert reply.text == "Yes, ten people in the back yard."
    details = reply.to_json()["details"]
    assert details["scope"]["kind"] == "all" and len(details["cameras"]) == len(CAMERAS)
    nothing = ask(home, "is there a car anywhere")
    assert (nothing.answer, nothing.camera) == (False, None)
    assert nothing.text == "No cars anywhere I can see."  # more than three places


def test_a_named_place_keeps_the_one_camera_answer(home: DialogService) -> None:
    reply = ask(home, "is anyone at the front door")
    assert (reply.answer, reply.camera) == (False, "front_door")
    assert "details" not in reply.to_json()


def test_a_group_limits_the_scope(home: DialogService, scenes: Scenes) -> None:
    inside = ask(home, "is anyone in the house")
    assert inside.answer is False
    assert inside.text == "No one in the kitchen, in the garage or in the living room."
    assert ask(home, "is anyone outside").answer is True


def test_counts_add_up_across_cameras_without_overlaps(tmp_path: Path, scenes: Scenes,
                                                      history: SqliteHistory,
                                                      model: FusionModel) -> None:
    overlapping = {"garden": {"overlaps_with": ["backyard"]}}
    service = DialogService(dialog_setup(home_config(tmp_path, **overlapping)), MemoryBus(),
                            scenes, history, model=model, clock=lambda: NOW)
    scenes.set(scene("backyard", person=person(3)))
    scenes.set(scene("garden", person=person(2)))  # the same people, seen from the garden
    scenes.set(scene("kitchen", person=person(1)))
    reply = asyncio.run(service.ask("how many people are there"))
    service.close()
    assert reply.count == 4
    assert reply.text.startswith("I see four people:")


def test_emptiness_flips_the_answer(home: DialogService) -> None:
    busy = ask(home, "is the back yard empty")
    assert (busy.intent, busy.answer) == ("ask_presence", False)
    assert busy.text == "No, ten people in the back yard."
    empty = ask(home, "nobody in the kitchen, right?")
    assert (empty.intent, empty.answer, empty.camera) == ("ask_presence", True, "kitchen")
    assert empty.text == "Yes, the kitchen is empty."
    assert ask(home, "is it clear outside").answer is False


def test_where_names_the_camera_or_the_last_place_seen(home: DialogService,
                                                      history: SqliteHistory) -> None:
    now = ask(home, "where is everyone")
    assert (now.intent, now.camera) == ("ask_where", "backyard")
    assert now.text == "In the back yard, seen 1 second ago."
    seen = NOW - 3600
    history.record([event("e1", "garage", "cat", seen)])
    before = ask(home, "where is the cat")
    hm = datetime.fromtimestamp(seen).astimezone().strftime("%H:%M")
    assert (before.camera, before.text) == ("garage", f"Last seen in the garage at {hm}.")
    assert ask(home, "where is the bus").text == "I haven't seen any buses."


def event(event_id: str, camera: str, label: str, start: float) -> ObjectEvent:
    return ObjectEvent("end", event_id, camera, label, 0.8, 0.8, (0, 0, 10, 10), (), start,
                       start + 30, None, False, start + 30)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC (NOW is 08:00 then)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("utc")
def test_summary_counts_places_times_and_what_stands_out(home: DialogService,
                                                          history: SqliteHistory) -> None:
    local = datetime.fromtimestamp(NOW).astimezone()
    night = local.replace(hour=2, minute=14, second=0).timestamp()
    day = local.replace(hour=7, minute=5, second=0).timestamp()
    history.record([event("n1", "garden", "person", night), event("d1", "driveway", "car", day),
                    event("d2", "driveway", "car", day + 60),
                    event("y1", "garden", "dog", night - 86400)])
    reply = ask(home, "what happened today")
    assert reply.intent == "summary"
    assert reply.text.startswith("Today I saw two cars in the driveway and one person in the "
                                 "garden. First at 02:14, last at 07:06.")
    assert "a person in the garden at night" in reply.text
    assert reply.text.count(".") <= 3
    details = reply.to_json()["details"]
    assert details["period"]["label"] == "today"
    assert [e["id"] for e in details["events"]] == ["n1", "d1", "d2"]
    assert [n["kind"] for n in details["notable"]] == ["night"]
    garden = ask(home, "what happened in the garden yesterday")
    assert garden.text.startswith("Yesterday I saw one dog in the garden.")
    assert ask(home, "what happened in the last ten minutes").text == \
        "Nothing seen in the last 10 minutes."


def test_summary_while_out_uses_the_armed_away_span(tmp_path: Path) -> None:
    clock = [NOW - 7200]
    alarm = Alarm(AlarmConfig(), tmp_path / "alarm.json", clock=lambda: clock[0])
    alarm.arm("armed_away", None, "test")
    clock[0] = NOW - 600
    alarm.disarm(None, "test", require_code=False)
    again = Alarm(AlarmConfig(), tmp_path / "alarm.json")  # the spans survive a restart
    spans = again.armed_spans()
    assert [(s.mode, s.start, s.end) for s in spans] == [("armed_away", NOW - 7200, NOW - 600)]


def test_describe_and_last_seen_cover_the_scope(home: DialogService, scenes: Scenes,
                                               history: SqliteHistory) -> None:
    everything = ask(home, "what do you see")
    assert (everything.intent, everything.camera) == ("describe", "backyard")
    assert everything.text == "Ten people in the back yard."
    named = ask(home, "what do you see in the kitchen")
    assert named.text == "Nothing in the kitchen right now."  # the one-camera answer
    history.record([event("g1", "garage", "dog", NOW - 120), event("d1", "driveway", "dog",
                                                                      NOW - 60)])
    inside = ask(home, "when did you last see a dog in the house")
    assert (inside.intent, inside.camera) == ("last_seen", "garage")
    assert inside.text == "I last saw a dog in the garage 1 minute ago."  # seen for 30 s
    anywhere = ask(home, "when did you last see a dog")
    assert anywhere.text == "I last saw a dog in the driveway 30 seconds ago."

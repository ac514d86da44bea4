"""Whole-home questions on a real broker with two file cameras: an empty view at the front
door (a swaying tree) and a busy one in the back yard (pedestrians)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from homewatch.runtime.daemon import Supervisor
from homewatch.vision.service import VisionService
from tests.conftest import DETECTOR, LABELS, MEDIA
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.daemon import run_daemon
from tests.support.mqtt import Recorder
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

BASE = "homewatch/testnode"


def frames(supervisor: Supervisor, camera: str) -> int:
    [vision] = [s for s in supervisor.services if isinstance(s, VisionService)]
    return vision.runners[camera].pipeline.stats.frames


def test_questions_about_the_whole_home(mosquitto: Mosquitto, tmp_path: Path) -> None:
    config = make_config(
        tmp_path, mosquitto.port,
        cameras=[{"name": "front_door", "source": str(MEDIA / "tree.avi"), "loop": True,
                  "detect_fps": 5},
                 {"name": "backyard", "source": str(MEDIA / "vtest.avi"), "loop": True,
                  "detect_fps": 5}],
        vision={"detector": {"model": str(DETECTOR), "labels": str(LABELS)}},
        understanding={"camera_names": {"backyard": ["back yard"]},
                       "camera_groups": {"inside": ["front_door"], "outside": ["backyard"]}})
    supervisor = Supervisor(config)
    recorder = Recorder(mosquitto.port, [f"{BASE}/voice/reply", f"{BASE}/backyard/person",
                                         f"{BASE}/watches"])
    replies: dict[str, dict[str, Any]] = {}

    async def ask(text: str) -> dict[str, Any]:
        qid = f"q{len(replies)}"
        recorder.publish(f"{BASE}/ask", json.dumps({"text": text, "id": qid}))
        await asyncio.to_thread(recorder.wait_for, lambda ms: any(
            json.loads(m.payload).get("id") == qid for m in ms
            if m.topic == f"{BASE}/voice/reply"), 30)
        reply = next(json.loads(m.payload) for m in recorder.on(f"{BASE}/voice/reply")
                     if json.loads(m.payload)["id"] == qid)
        replies[text] = reply
        return reply

    async def body() -> None:
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/watches")  # the dialog is up
        await asyncio.to_thread(recorder.wait_for, lambda ms: any(
            m.topic == f"{BASE}/backyard/person" and int(m.payload) >= 2 for m in ms), 90)
        await eventually(lambda: frames(supervisor, "front_door") >= 30, timeout=90)
        for text in ("is anyone home", "is there anyone anywhere", "where is everyone",
                     "is the front door empty", "is the back yard empty",
                     "is anyone in the house", "is anyone outside",
                     "what happened in the last hour"):
            await ask(text)

    run_daemon(supervisor, body, recorder)

    home = replies["is anyone home"]
    assert (home["intent"], home["answer"], home["camera"]) == ("ask_presence", True, "backyard")
    assert home["text"].startswith("Yes") and "in the back yard" in home["text"]
    assert "front door" not in home["text"]
    anywhere = replies["is there anyone anywhere"]["details"]
    assert anywhere["scope"]["kind"] == "all"
    assert {c["camera"] for c in anywhere["cameras"]} == {"front_door", "backyard"}
    where = replies["where is everyone"]
    assert (where["intent"], where["camera"]) == ("ask_where", "backyard")
    assert where["text"].startswith("In the back yard, seen")
    empty = replies["is the front door empty"]
    assert (empty["intent"], empty["answer"]) == ("ask_presence", True)
    busy = replies["is the back yard empty"]
    assert (busy["intent"], busy["answer"]) == ("ask_presence", False)
    assert busy["text"].startswith("No,") and "people" in busy["text"]
    assert busy["text"].endswith("in the back yard.")
    inside = replies["is anyone in the house"]
    assert inside["answer"] is False and inside["details"]["scope"]["cameras"] == ["front_door"]
    assert inside["text"] == "No one at the front door."
    assert replies["is anyone outside"]["answer"] is True
    summary = replies["what happened in the last hour"]
    assert summary["intent"] == "summary"
    assert "people in the back yard" in summary["text"] or \
        "person in the back yard" in summary["text"]
    assert " at " in summary["text"].split(".")[1]  # "First at 21:04, last at 21:05."
    events = summary["details"]["events"]
    assert events and all(e["camera"] == "backyard" for e in events if e["label"] == "person")

"""The whole daemon on a real broker: a camera replaying real video, a microphone replaying a
real recorded question, and the answer on `voice/reply`; watches set over MQTT."""

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
from tests.support.mqtt import Recorder
from tests.support.waiting import eventually
from tests.voice.audio_files import clip, join, silence, write_wav

pytestmark = pytest.mark.slow

BASE = "homewatch/testnode"
WATCHED_FRAMES = 60  # 12 s of the clip at detect_fps 5


def daemon_config(tmp_path: Path, port: int, video: Path, question: str | None):  # type: ignore[no-untyped-def]
    overrides: dict[str, Any] = {
        "cameras": [{"name": "front_door", "source": str(video), "loop": True,
                     "detect_fps": 5}],
        "vision": {"detector": {"model": str(DETECTOR), "labels": str(LABELS)}},
    }
    if question:
        mic = write_wav(tmp_path / "mic.wav", join(silence(4.0), clip(question), silence(2.0)))
        overrides["voice"] = {"enabled": True, "source": {"type": "wav", "path": str(mic)}}
    return make_config(tmp_path, port, **overrides)


def run_until(supervisor: Supervisor, recorder: Recorder, topic: str, timeout: float) -> None:
    async def main() -> int:
        daemon = asyncio.create_task(supervisor.run())
        try:
            await asyncio.to_thread(recorder.wait_topic, topic, 1, timeout)
        finally:
            supervisor.request_stop()
        return await daemon

    assert asyncio.run(main()) == 0


def frames_analysed(supervisor: Supervisor) -> int:
    [vision] = [s for s in supervisor.services if isinstance(s, VisionService)]
    return vision.runners["front_door"].pipeline.stats.frames


@pytest.mark.parametrize(("clip", "expected"), [("vtest.avi", True), ("tree.avi", False)])
def test_spoken_question_is_answered_from_the_camera(mosquitto: Mosquitto, tmp_path: Path,
                                                     clip: str, expected: bool) -> None:
    recorder = Recorder(mosquitto.port, [f"{BASE}/voice/#"])
    config = daemon_config(tmp_path, mosquitto.port, MEDIA / clip, "c01_piper")
    run_until(Supervisor(config), recorder, f"{BASE}/voice/reply", 60)
    transcript = json.loads(recorder.on(f"{BASE}/voice/transcript")[0].payload)
    assert transcript["text"] == "is anyone at the front door"  # the wake phrase left out
    assert transcript["raw"] == "hey homewatch is anyone at the front door"
    reply = json.loads(recorder.on(f"{BASE}/voice/reply")[0].payload)
    assert reply["intent"] == "ask_presence" and reply["object"] == "person"
    assert reply["camera"] == "front_door" and reply["answer"] is expected
    if expected:
        assert 1 <= reply["count"] <= 14 and reply["text"].startswith("Yes")
    else:
        assert reply["text"].startswith("No")
    recorder.close()


@pytest.mark.parametrize(("clip", "fires"), [("vtest.avi", True), ("tree.avi", False)])
def test_watch_set_over_mqtt_fires_once_on_people_only(mosquitto: Mosquitto, tmp_path: Path,
                                                       clip: str, fires: bool) -> None:
    recorder = Recorder(mosquitto.port, [f"{BASE}/watches/#", f"{BASE}/voice/reply",
                                         f"{BASE}/watches"])
    supervisor = Supervisor(daemon_config(tmp_path, mosquitto.port, MEDIA / clip, None))

    async def main() -> int:
        daemon = asyncio.create_task(supervisor.run())
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/watches")  # daemon is up
        recorder.publish(f"{BASE}/ask", "tell me when someone is at the front door")
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/voice/reply")
        watched = frames_analysed(supervisor) + WATCHED_FRAMES
        await eventually(lambda: frames_analysed(supervisor) >= watched, timeout=120)
        supervisor.request_stop()
        return await daemon

    assert asyncio.run(main()) == 0
    reply = json.loads(recorder.on(f"{BASE}/voice/reply")[0].payload)
    assert reply["intent"] == "watch_start"
    watches = json.loads(recorder.on(f"{BASE}/watches")[-1].payload)
    assert len(watches) == 1 and watches[0]["camera"] == "front_door"
    assert len(recorder.on(f"{BASE}/watches/fired")) == (1 if fires else 0)
    recorder.close()

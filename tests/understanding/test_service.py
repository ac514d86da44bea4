"""Service lifecycle, the voice callback, local speech, config checks and the `ask` CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from homewatch.cli import main
from homewatch.config.slices import dialog_setup
from homewatch.core.bus import MemoryBus
from homewatch.core.messages import Utterance
from homewatch.understanding.config import UnderstandingConfig
from homewatch.understanding.model import FusionModel
from homewatch.understanding.service import DialogService
from tests.support.waiting import eventually
from tests.understanding.conftest import History, Scenes, make_config, person, scene


def test_run_publishes_state_and_stops_cleanly(service: DialogService, bus: MemoryBus) -> None:
    async def scenario() -> None:
        task = asyncio.create_task(service.run())
        await eventually(lambda: "watches" in bus.states)
        assert service.healthy()
        assert bus.states["alarm/state"] == b"disarmed"
        assert json.loads(bus.states["watches"]) == []
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert service._executor._shutdown  # no inference thread left behind


def test_voice_callback(service: DialogService, scenes: Scenes, bus: MemoryBus) -> None:
    scenes.set(scene("front_door", person=person(1)))
    utt = Utterance(text="is anyone at the front door", raw="is anyone at the front door",
                    confidence=0.9, words=(), recognizer="pocketsphinx", duration=1.5,
                    latency=0.2, ts=0.0)
    reply = asyncio.run(service.handle_utterance(utt))
    assert reply.answer is True
    assert bus.json_events("voice/reply")[0]["question"] == utt.text


def test_replies_are_spoken_by_the_tts_command(tmp_path: Path, scenes: Scenes,
                                               history: History, model: FusionModel) -> None:
    spoken = tmp_path / "spoken.txt"
    config = make_config(tmp_path, tts_command=["sh", "-c", f"cat > {spoken}"])
    service = DialogService(dialog_setup(config), MemoryBus(), scenes, history, model=model)

    async def scenario() -> None:
        task = asyncio.create_task(service.run())
        try:
            reply = await service.ask("what is the status")
            await eventually(lambda: spoken.exists() and spoken.read_text())
            assert spoken.read_text() == reply.text
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(scenario())


def test_watch_thresholds_must_leave_a_gap() -> None:
    with pytest.raises(ValidationError):
        UnderstandingConfig(watch_on=0.5, watch_off=0.6)
    with pytest.raises(ValidationError):
        UnderstandingConfig.model_validate({"devices": [{"name": "fan", "colour": "red"}]})


def test_ask_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "scene.json"
    path.write_text(json.dumps({
        "camera": "garden", "ts": 1_800_000_000, "brightness": 0.6, "motion": 0.3,
        "classes": {"dog": {"max_score": 0.8, "mean_score": 0.7, "presence": 0.9,
                            "count": 1}}}))
    assert main(["ask", "is there a dog in the garden", "--scene", str(path), "--json"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert (reply["intent"], reply["object"], reply["answer"]) == ("ask_presence", "dog", True)
    path.write_text("{}")
    assert main(["ask", "is there a dog", "--scene", str(path)]) == 1
    assert "invalid scene" in capsys.readouterr().err

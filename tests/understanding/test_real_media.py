"""The fusion model on real detector output (shared SSD on the shared clips) and a real
recognizer transcript of a shared spoken question."""

from __future__ import annotations

import asyncio
import json
import wave
from functools import cache
from pathlib import Path

import pytest

from homewatch.config.slices import dialog_setup
from homewatch.core.bus import MemoryBus
from homewatch.core.messages import SceneSnapshot
from homewatch.understanding.model import FusionModel
from homewatch.understanding.service import DialogService
from tests.conftest import AUDIO, MEDIA
from tests.understanding.conftest import History, Scenes, make_config
from tests.understanding.real_scene import Detector, scenes_of

pytestmark = pytest.mark.usefixtures("shared_dir")


@cache
def detector() -> Detector:
    return Detector()


@cache
def plaza() -> list[SceneSnapshot]:
    """vtest.avi: pedestrians all the time."""
    return scenes_of(MEDIA / "vtest.avi", "front_door", step=5, window=20, limit=40,
                     detector=detector())


@cache
def tree() -> list[SceneSnapshot]:
    """tree.avi: a swaying tree, no one there; the SSD flickers."""
    return scenes_of(MEDIA / "tree.avi", "front_door", step=2, window=20, limit=34,
                     detector=detector())


def transcribe(path: Path) -> str:
    from pocketsphinx import Decoder

    decoder = Decoder(loglevel="FATAL")
    with wave.open(str(path)) as wav:
        pcm = wav.readframes(wav.getnframes())
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp else ""


def ask(service: DialogService, scenes: Scenes, snap: SceneSnapshot, text: str
        ) -> tuple[bool | None, int | None, str]:
    scenes.set(snap)
    reply = asyncio.run(service.ask(text))
    return reply.answer, reply.count, reply.text


@pytest.mark.slow
def test_spoken_question_about_real_scenes(service: DialogService, scenes: Scenes) -> None:
    heard = transcribe(AUDIO / "c01_piper.wav")  # "hey homewatch is anyone at the front door"
    assert "front door" in heard
    answer, count, text = ask(service, scenes, plaza()[-1], heard)
    assert answer is True, text
    assert count is not None and 2 <= count <= 12, text
    answer, _, text = ask(service, scenes, tree()[-1], heard)
    assert answer is False, text


def test_tree_flicker_is_evidence_a_score_threshold_would_take(model: FusionModel) -> None:
    """The clip really fools a plain threshold: some window has a person score ≥ 0.5."""
    assert any(s.stats("person").max_score >= 0.5 for s in tree())
    assert all(s.stats("person").presence < 0.3 for s in tree())


def test_watch_fires_once_on_people_and_never_on_the_tree(tmp_path: Path, model: FusionModel
                                                          ) -> None:
    for clip, expected in ((plaza(), 1), (tree(), 0)):
        scenes = Scenes()
        bus = MemoryBus()
        service = DialogService(dialog_setup(make_config(tmp_path / str(expected))), bus,
                                scenes, History(), model=model)
        try:
            asyncio.run(service.ask("tell me when someone is at the front door"))
            fired = 0
            for snap in clip:
                scenes.set(snap)
                fired += len(asyncio.run(service.check_watches()))
        finally:
            service.close()
        assert fired == expected


@pytest.mark.slow
@pytest.mark.parametrize(("clip", "expected"), [("vtest.avi", True), ("tree.avi", False)])
def test_ask_cli_on_a_clip_through_the_vision_pipeline(
        clip: str, expected: bool, capsys: pytest.CaptureFixture[str]) -> None:
    from homewatch.cli import main
    from tests.conftest import DETECTOR

    heard = transcribe(AUDIO / "c02_piper.wav")  # "is there someone in the living room"
    assert main(["ask", heard, "--video", str(MEDIA / clip), "--detector-model", str(DETECTOR),
                 "--json"]) == 0
    reply = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert reply["intent"] == "ask_presence"
    assert reply["answer"] is expected, reply["text"]
    if expected:
        assert 2 <= reply["count"] <= 12

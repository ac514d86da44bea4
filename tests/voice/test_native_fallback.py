"""A native library that cannot load (vosk without libatomic1, webrtcvad missing) costs a
fallback and one log line with the fix, never the voice service or the daemon."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from homewatch.config import Config
from homewatch.config.slices import voice_setup
from homewatch.core.bus import MemoryBus
from homewatch.core.messages import Utterance
from homewatch.core.native import NativeLibraryError
from homewatch.runtime.daemon import Supervisor
from homewatch.voice.config import (
    ActivationConfig,
    RecognizerConfig,
    SourceConfig,
    VoiceConfig,
)
from homewatch.voice.recognizers import load_recognizer
from homewatch.voice.service import VoiceService
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.native import break_import
from tests.support.waiting import eventually
from tests.voice.audio_files import clip, join, silence, write_wav
from tests.voice.conftest import vosk_ko_model


def voice(path: Path, engine: str) -> VoiceConfig:
    return VoiceConfig(
        enabled=True,
        source=SourceConfig(type="wav", path=path, realtime=False, loop=True),
        activation=ActivationConfig(mode="always"),
        recognizer=RecognizerConfig(engine=engine,  # type: ignore[arg-type]
                                    vosk_model=str(vosk_ko_model())))


def command_wav(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "mic.wav", join(silence(0.5), clip("c08_piper"), silence(1.0)))


def test_an_explicit_vosk_names_the_missing_library(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    break_import(monkeypatch, "vosk")
    setup = voice_setup(Config(voice=voice(command_wav(tmp_path), "vosk")))
    with pytest.raises(NativeLibraryError) as caught:
        load_recognizer(setup, None)
    assert "libatomic.so.1" in str(caught.value)
    assert caught.value.fix == "install the system library: sudo apt install libatomic1"


def test_auto_with_a_vosk_model_falls_back_to_pocketsphinx(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        tmp_path: Path) -> None:
    break_import(monkeypatch, "vosk")
    setup = voice_setup(Config(voice=voice(command_wav(tmp_path), "auto")))
    with caplog.at_level(logging.WARNING):
        recognizer = load_recognizer(setup, None)
    assert recognizer.name == "pocketsphinx"
    assert [r.message for r in caplog.records if "libatomic1" in r.message] != []


async def _first_utterance(service: VoiceService, heard: list[Utterance]) -> bool:
    task = asyncio.create_task(service.run())
    try:
        await eventually(lambda: heard, timeout=60, what="an utterance")
        return service.healthy()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_voice_service_hears_with_pocketsphinx_when_vosk_and_webrtcvad_cannot_load(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        tmp_path: Path) -> None:
    break_import(monkeypatch, "vosk")
    break_import(monkeypatch, "webrtcvad", ImportError("No module named 'webrtcvad'"))
    heard: list[Utterance] = []

    async def on_utterance(utt: Utterance) -> None:
        heard.append(utt)

    setup = voice_setup(Config(voice=voice(command_wav(tmp_path), "vosk")))
    service = VoiceService(setup, MemoryBus(), on_utterance)
    with caplog.at_level(logging.WARNING):
        assert asyncio.run(_first_utterance(service, heard)) is True
    assert heard[0].text == "arm the system"
    assert service.stats()["recognizer"] == "pocketsphinx"
    fixes = [r.message for r in caplog.records if "sudo apt install libatomic1" in r.message]
    assert len(fixes) == 1
    assert any("energy VAD" in r.message for r in caplog.records)


def test_daemon_starts_with_voice_on_pocketsphinx_when_vosk_cannot_load(
        monkeypatch: pytest.MonkeyPatch, mosquitto: Mosquitto, tmp_path: Path) -> None:
    break_import(monkeypatch, "vosk")
    config = make_config(tmp_path / "state", mosquitto.port,
                         voice=voice(command_wav(tmp_path), "vosk").model_dump(mode="json"))
    supervisor = Supervisor(config)
    [service] = [s for s in supervisor.services if isinstance(s, VoiceService)]

    async def scenario() -> tuple[int, bool]:
        task = asyncio.create_task(supervisor.run())
        await eventually(lambda: service.stats()["utterances"] >= 1, timeout=60,
                         what="an utterance heard by the daemon's voice service")
        healthy = supervisor._all_healthy()
        supervisor.request_stop()
        return await task, healthy

    code, healthy = asyncio.run(scenario())
    assert code == 0 and healthy
    assert service.stats()["recognizer"] == "pocketsphinx"

"""The whole path: a WAV file as the microphone → VoiceService → `voice/transcript`."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from homewatch.config import Config
from homewatch.config.slices import voice_setup
from homewatch.core.bus import MemoryBus
from homewatch.core.messages import Utterance
from homewatch.voice.audio import Pcm
from homewatch.voice.config import ActivationConfig, SourceConfig, VoiceConfig
from homewatch.voice.pocketsphinx_engine import PocketsphinxRecognizer
from homewatch.voice.service import VoiceService
from homewatch.voice.sources import AudioDeviceError
from tests.support.waiting import eventually
from tests.voice.audio_files import clip, join, silence, write_wav


def config_for(path: Path, mode: str = "always", **source: Any) -> Config:
    return Config(voice=VoiceConfig(
        enabled=True,
        source=SourceConfig(type="wav", path=path, realtime=False, **source),
        activation=ActivationConfig(mode=mode),  # type: ignore[arg-type]
    ))


async def run_until(service: VoiceService, done: asyncio.Event) -> None:
    task = asyncio.create_task(service.run())
    try:
        await asyncio.wait_for(done.wait(), 60)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_wav_to_voice_transcript(tmp_path: Path, sphinx_grammar: PocketsphinxRecognizer) -> None:
    path = write_wav(tmp_path / "mic.wav", join(
        silence(0.5), clip("c08_piper"), silence(1.0), clip("noise_3s"), clip("c04_piper"),
        silence(1.0), clip("silence_3s")))
    bus = MemoryBus()
    heard: list[Utterance] = []
    healthy: list[bool] = []
    done = asyncio.Event()

    async def on_utterance(utt: Utterance) -> None:
        heard.append(utt)
        healthy.append(service.healthy())
        if len(heard) == 2:
            done.set()

    service = VoiceService(voice_setup(config_for(path)), bus, on_utterance,
                           recognizer=sphinx_grammar)
    asyncio.run(run_until(service, done))
    assert [u.text for u in heard] == ["arm the system", "is there a car in the driveway"]
    messages = bus.json_events("voice/transcript")
    assert [m["text"] for m in messages] == [u.text for u in heard]
    first = messages[0]
    assert set(first) == {"text", "raw", "confidence", "words", "recognizer", "duration",
                          "latency", "ts"}
    assert first["recognizer"] == "pocketsphinx"
    assert [w["word"] for w in first["words"]] == ["arm", "the", "system"]
    assert 0.9 < first["duration"] < 2.5  # speech + pre-roll + trailing silence
    assert bus.states["voice/last"] == b"is there a car in the driveway"
    assert json.loads(bus.states["voice/last/attributes"])["raw"] == heard[1].raw
    entity = bus.entities["voice_last_transcript"]
    assert entity["p"] == "sensor" and entity["stat_t"] == "~/voice/last"
    stats = service.stats()
    assert stats["utterances"] == 2 and stats["recognizer"] == "pocketsphinx"
    assert stats["grammar"] is True
    assert 0 < stats["real_time_factor"] < 5
    assert healthy == [True, True]
    assert not any(t.name == "voice-recognition" for t in threading.enumerate())


def test_wake_mode_ignores_commands_without_the_wake_phrase(
        tmp_path: Path, sphinx_grammar: PocketsphinxRecognizer) -> None:
    path = write_wav(tmp_path / "mic.wav", join(
        clip("c08_piper"), silence(1.0), clip("c01_piper"), silence(1.0)))
    bus = MemoryBus()
    done = asyncio.Event()

    async def on_utterance(utt: Utterance) -> None:
        done.set()

    async def main() -> VoiceService:
        service = VoiceService(voice_setup(config_for(path, "wake")), bus, on_utterance,
                               recognizer=sphinx_grammar)
        await run_until(service, done)
        return service

    service = asyncio.run(main())
    # Published without the wake phrase (also the Home Assistant sensor); `raw` keeps it.
    [published] = bus.json_events("voice/transcript")
    assert published["text"] == "is anyone at the front door"
    assert published["raw"] == "hey homewatch is anyone at the front door"
    assert bus.states["voice/last"] == b"is anyone at the front door"
    assert service.stats()["ignored"] == 1


def test_push_to_talk_over_voice_listen(tmp_path: Path,
                                        sphinx_grammar: PocketsphinxRecognizer) -> None:
    path = write_wav(tmp_path / "mic.wav", join(silence(1.0), clip("c16_piper"), silence(1.0)))
    bus = MemoryBus()
    done = asyncio.Event()

    async def on_utterance(utt: Utterance) -> None:
        done.set()

    async def main() -> VoiceService:
        service = VoiceService(voice_setup(config_for(path, "push_to_talk", loop=True)), bus,
                               on_utterance,
                               recognizer=sphinx_grammar)
        for bad in (b"maybe", b"-3"):
            await bus.send("voice/listen", bad)
        assert [e["code"] for e in bus.json_events("error")] == ["bad_payload", "bad_payload"]
        await bus.send("voice/listen", b"ON")
        await run_until(service, done)
        return service

    asyncio.run(main())
    assert [m["text"] for m in bus.json_events("voice/transcript")] == ["what is the status"]


def test_muted_service_hears_nothing(tmp_path: Path,
                                     sphinx_grammar: PocketsphinxRecognizer) -> None:
    path = write_wav(tmp_path / "mic.wav", join(clip("c16_piper"), silence(1.0)))
    bus = MemoryBus()

    async def on_utterance(utt: Utterance) -> None:
        raise AssertionError("muted")

    async def main() -> dict[str, Any]:
        service = VoiceService(voice_setup(config_for(path)), bus, on_utterance,
                               recognizer=sphinx_grammar)
        service.mute(60)
        task = asyncio.create_task(service.run())
        await eventually(lambda: service.stats()["audio"] == "ended")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return service.stats()

    stats = asyncio.run(main())
    assert stats["muted"] and stats["utterances"] == 0 and stats["audio_s"] > 1
    assert bus.events == []


class BrokenMic:
    name = "mic:broken"
    dropped = 0

    def __init__(self) -> None:
        self.attempts = 0

    def blocks(self, stop: threading.Event) -> Iterator[Pcm]:
        self.attempts += 1
        raise AudioDeviceError("cannot open mic:broken: no such device")
        yield silence(0.03)  # pragma: no cover


def test_device_errors_are_reported_and_retried(sphinx_grammar: PocketsphinxRecognizer) -> None:
    mic = BrokenMic()
    config = Config(voice=VoiceConfig(source=SourceConfig(retry_s=0.05)))

    async def on_utterance(utt: Utterance) -> None:
        pass

    async def main() -> dict[str, Any]:
        service = VoiceService(voice_setup(config), MemoryBus(), on_utterance, source=mic,
                               recognizer=sphinx_grammar)
        task = asyncio.create_task(service.run())
        await eventually(lambda: mic.attempts >= 3)
        assert service.healthy()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return service.stats()

    stats = asyncio.run(main())
    assert stats["device_errors"] >= 3
    assert stats["audio"].startswith("error: cannot open mic:broken")


class FlakyRecognizer:
    """The real recognizer, except that the first utterance fails inside the engine."""

    def __init__(self, inner: PocketsphinxRecognizer) -> None:
        self.inner = inner
        self.name = inner.name
        self.grammar = inner.grammar
        self.mode = inner.mode
        self.failed = False

    def stream(self) -> Any:
        stream = self.inner.stream()
        if not self.failed:
            self.failed = True
            stream.abort()
            raise RuntimeError("decoder failure")
        return stream


def test_a_failing_utterance_does_not_stop_listening(
        tmp_path: Path, sphinx_grammar: PocketsphinxRecognizer) -> None:
    path = write_wav(tmp_path / "mic.wav", join(
        clip("c08_piper"), silence(1.0), clip("c16_piper"), silence(1.0)))
    bus = MemoryBus()
    done = asyncio.Event()

    async def on_utterance(utt: Utterance) -> None:
        done.set()

    service = VoiceService(voice_setup(config_for(path)), bus, on_utterance,
                           recognizer=FlakyRecognizer(sphinx_grammar))
    asyncio.run(run_until(service, done))
    assert [m["text"] for m in bus.json_events("voice/transcript")] == ["what is the status"]
    assert service.stats()["recognizer_errors"] == 1


class CorruptStream:
    name = "pcm:stdin"
    dropped = 0

    def blocks(self, stop: threading.Event) -> Iterator[Pcm]:
        yield silence(0.03)
        raise ValueError("odd number of bytes")


def test_an_unexpected_failure_makes_the_service_unhealthy(
        sphinx_grammar: PocketsphinxRecognizer) -> None:
    async def on_utterance(utt: Utterance) -> None:
        pass

    async def main() -> dict[str, Any]:
        service = VoiceService(voice_setup(Config()), MemoryBus(), on_utterance,
                               source=CorruptStream(),
                               recognizer=sphinx_grammar)
        task = asyncio.create_task(service.run())
        await eventually(lambda: service._thread is not None)
        await eventually(lambda: not service.healthy())
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return service.stats()

    stats = asyncio.run(main())
    assert stats["audio"] == "failed: odd number of bytes"

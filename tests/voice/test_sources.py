"""Audio sources; the microphone is faked at the PortAudio seam and fed real recordings."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from homewatch.voice.audio import SAMPLE_RATE, Pcm, resample
from homewatch.voice.config import SourceConfig
from homewatch.voice.grammar import CommandGrammar
from homewatch.voice.pocketsphinx_engine import PocketsphinxRecognizer
from homewatch.voice.sources import (
    AudioDeviceError,
    MicSource,
    PcmSource,
    WavSource,
    open_source,
)
from homewatch.voice.transcribe import recognize_pcm
from tests.voice.audio_files import clip, join, silence, write_wav


def collect(source: Any, limit: int = 100_000) -> Pcm:
    stop = threading.Event()
    out = []
    for block in source.blocks(stop):
        out.append(block)
        if len(out) >= limit:
            stop.set()
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int16)


def test_wav_source_plays_the_file_then_the_gap(tmp_path: Path) -> None:
    speech = clip("c08_piper")
    path = write_wav(tmp_path / "a.wav", speech)
    pcm = collect(WavSource(path, realtime=False, gap_s=0.5))
    assert len(pcm) == len(speech) + SAMPLE_RATE // 2
    assert np.array_equal(pcm[: len(speech)], speech)


def test_wav_source_loops_until_stopped(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", clip("c08_piper"))
    pcm = collect(WavSource(path, loop=True, realtime=False, gap_s=0.0), limit=300)
    once = clip("c08_piper")
    assert len(pcm) > 8 * len(once)
    assert np.array_equal(pcm[len(once): 2 * len(once)], once)


def test_wav_source_resamples_stereo_44k(tmp_path: Path) -> None:
    mono = resample(clip("c08_piper"), SAMPLE_RATE, 44100)
    stereo = np.repeat(mono, 2)
    import wave

    with wave.open(str(tmp_path / "s.wav"), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        wav.writeframes(stereo.tobytes())
    pcm = collect(WavSource(tmp_path / "s.wav", realtime=False, gap_s=0))
    assert abs(len(pcm) - len(clip("c08_piper"))) <= 2


def test_bad_files_give_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "x.wav").write_bytes(b"not a wav at all")
    with pytest.raises(AudioDeviceError, match="not a PCM WAV"):  # retried like a device
        collect(WavSource(tmp_path / "x.wav"))
    with pytest.raises(AudioDeviceError, match="no such file"):
        collect(WavSource(tmp_path / "missing.wav"))


def test_pcm_from_a_pipe_at_8khz(sphinx_grammar: PocketsphinxRecognizer,
                                 grammar: CommandGrammar) -> None:
    low = resample(join(clip("c14_piper"), silence(0.3)), SAMPLE_RATE, 8000)
    read_fd, write_fd = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write_fd, low.tobytes()),
                                              os.close(write_fd)))
    writer.start()
    with os.fdopen(read_fd, "rb") as stream:
        pcm = collect(PcmSource(stream, sample_rate=8000))
    writer.join()
    assert abs(len(pcm) - 2 * len(low)) <= 64
    assert recognize_pcm(sphinx_grammar, grammar, pcm).text == "turn on the porch light"


class FakeStream:
    """PortAudio stream stand-in: calls the callback with a real recording, block by block."""

    def __init__(self, pcm: Pcm, blocksize: int, callback: Any, fail_after: int | None) -> None:
        self.pcm, self.blocksize, self.callback = pcm, blocksize, callback
        self.fail_after = fail_after
        self.active = False
        self._thread = threading.Thread(target=self._play)
        self._stop = threading.Event()

    def start(self) -> None:
        self.active = True
        self._thread.start()

    def _play(self) -> None:
        for n, offset in enumerate(range(0, len(self.pcm), self.blocksize)):
            if self._stop.is_set() or (self.fail_after is not None and n >= self.fail_after):
                break
            block = self.pcm[offset:offset + self.blocksize]
            self.callback(block.reshape(-1, 1), len(block), None, None)
        self.active = False

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class FakeSoundDevice:
    def __init__(self, pcm: Pcm, rate: int, *, fail_open: bool = False,
                 fail_after: int | None = None) -> None:
        self.pcm, self.rate = pcm, rate
        self.fail_open, self.fail_after = fail_open, fail_after
        self.opened: list[int] = []

    def check_input_settings(self, device: Any, channels: int, dtype: str,
                             samplerate: int) -> None:
        if samplerate != self.rate:
            raise ValueError("Invalid sample rate [PaErrorCode -9997]")

    def query_devices(self, device: Any, kind: str) -> dict[str, Any]:
        return {"name": "fake", "default_samplerate": float(self.rate)}

    def InputStream(self, *, samplerate: int, blocksize: int, callback: Any,  # noqa: N802
                    **kwargs: Any) -> FakeStream:
        if self.fail_open:
            raise RuntimeError("Error querying device -1")
        self.opened.append(samplerate)
        return FakeStream(self.pcm, blocksize, callback, self.fail_after)


def test_mic_that_refuses_16khz_is_captured_at_48khz_and_resampled(
        sphinx_grammar: PocketsphinxRecognizer, grammar: CommandGrammar) -> None:
    speech = join(clip("c15_piper"), silence(0.3))
    device = FakeSoundDevice(resample(speech, SAMPLE_RATE, 48000), 48000)
    mic = MicSource(backend=device)
    pcm = collect(mic, limit=len(speech) // 480 - 2)
    assert device.opened == [48000]
    assert mic.rate == 48000
    assert recognize_pcm(sphinx_grammar, grammar, pcm).text == "turn off the kitchen light"


def test_mic_open_failure_is_a_device_error() -> None:
    mic = MicSource(device="usb", backend=FakeSoundDevice(silence(1), 16000, fail_open=True))
    with pytest.raises(AudioDeviceError, match="cannot open mic:usb"):
        collect(mic)


def test_mic_that_stops_delivering_is_a_device_error() -> None:
    mic = MicSource(backend=FakeSoundDevice(silence(2), 16000, fail_after=5))
    with pytest.raises(AudioDeviceError, match="stopped delivering"):
        collect(mic)


def test_open_source_follows_the_config(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", clip("c08_piper"))
    assert isinstance(open_source(SourceConfig(type="wav", path=path)), WavSource)
    assert isinstance(open_source(SourceConfig(type="mic")), MicSource)
    assert open_source(SourceConfig(type="none")) is None
    with pytest.raises(ValueError, match="needs a path"):
        SourceConfig(type="wav")

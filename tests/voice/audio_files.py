"""Test recordings assembled from the shared command set (speech with real pauses)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from homewatch.voice.audio import SAMPLE_RATE, Pcm, read_wav_16k
from tests.conftest import AUDIO


def clip(name: str) -> Pcm:
    return read_wav_16k(AUDIO / f"{name}.wav")


def silence(seconds: float) -> Pcm:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.int16)


def join(*parts: Pcm) -> Pcm:
    return np.concatenate(parts)


def write_wav(path: Path, pcm: Pcm, rate: int = SAMPLE_RATE) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return path

"""PCM helpers: reading WAV files, downmixing and resampling to 16 kHz mono int16."""

from __future__ import annotations

import math
import wave
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from homewatch.errors import HomewatchError

SAMPLE_RATE = 16000
Pcm = npt.NDArray[np.int16]


class AudioFormatError(HomewatchError):
    """Audio the pipeline cannot use (not a WAV, not 16-bit PCM, ...)."""


def read_wav(path: Path) -> tuple[Pcm, int]:
    """(mono int16 samples, sample rate) of a 16-bit PCM WAV file."""
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            data = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise AudioFormatError(f"{path}: no such file") from None
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(f"{path}: not a PCM WAV file ({exc})") from None
    if width != 2:
        raise AudioFormatError(f"{path}: {8 * width}-bit samples; 16-bit PCM is needed "
                               f"(convert with: sox {path.name} -b 16 out.wav)")
    samples = np.frombuffer(data, dtype="<i2").astype(np.int16)
    return downmix(samples, channels), rate


def read_wav_16k(path: Path) -> Pcm:
    samples, rate = read_wav(path)
    return resample(samples, rate) if rate != SAMPLE_RATE else samples


def downmix(samples: Pcm, channels: int) -> Pcm:
    if channels == 1:
        return samples
    frames = samples[: len(samples) - len(samples) % channels].reshape(-1, channels)
    mixed: Pcm = frames.mean(axis=1).astype(np.int16)
    return mixed


class Resampler:
    """Streaming band-limited resampler (windowed-sinc interpolation at each output instant).

    The cutoff sits at 90 % of the lower Nyquist frequency, so it both interpolates
    (8 kHz → 16 kHz) and anti-aliases (48 kHz → 16 kHz). Output depends only on the
    input samples, never on how they were split into blocks; it lags the input by the
    kernel's half-width (about 1 ms at 16 kHz, 3 ms at 48 kHz).
    """

    def __init__(self, rate_in: int, rate_out: int = SAMPLE_RATE, zero_crossings: int = 16
                 ) -> None:
        if rate_in < 4000:
            raise AudioFormatError(f"sample rate {rate_in} Hz is too low for speech")
        self.rate_in, self.rate_out = rate_in, rate_out
        self._step = rate_in / rate_out
        self._cutoff = 0.9 * min(1.0, rate_out / rate_in)  # of the input Nyquist frequency
        self.half_width = math.ceil(zero_crossings / self._cutoff)  # in input samples
        self._buffer = np.zeros(self.half_width)  # input from absolute index `_offset` on
        self._offset = -self.half_width
        self._produced = 0

    def process(self, block: Pcm) -> Pcm:
        self._buffer = np.concatenate([self._buffer, block.astype(np.float64)])
        k = self.half_width
        end = self._offset + len(self._buffer)  # absolute index one past the last sample
        # output n sits at input position n * step and needs samples up to floor(pos) + k
        last = math.floor((end - 1 - k) / self._step) if end - 1 - k >= 0 else -1
        count = max(0, last - self._produced + 1)
        positions = (self._produced + np.arange(count, dtype=np.float64)) * self._step
        self._produced += count
        out = self._interpolate(positions - self._offset)
        keep_from = math.floor(self._produced * self._step) - k + 1 - self._offset
        if keep_from > 0:
            self._buffer = self._buffer[keep_from:]
            self._offset += keep_from
        result: Pcm = np.clip(np.round(out), -32768, 32767).astype(np.int16)
        return result

    def _interpolate(self, positions: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
        if len(positions) == 0:
            return np.zeros(0)
        k = self.half_width
        taps = np.arange(-k + 1, k + 1)
        index = np.floor(positions).astype(np.int64)[:, None] + taps[None, :]
        distance = positions[:, None] - index
        window = 0.5 * (1 + np.cos(np.pi * np.clip(distance / k, -1, 1)))
        weights = self._cutoff * np.sinc(self._cutoff * distance) * window
        weights /= weights.sum(axis=1, keepdims=True)
        samples = self._buffer[np.clip(index, 0, len(self._buffer) - 1)]
        out: npt.NDArray[np.float64] = (samples * weights).sum(axis=1)
        return out


def resample(samples: Pcm, rate_in: int, rate_out: int = SAMPLE_RATE) -> Pcm:
    """Resample a whole recording."""
    if rate_in == rate_out:
        return samples
    resampler = Resampler(rate_in, rate_out)
    tail = np.zeros(resampler.half_width + math.ceil(rate_in / rate_out) + 1, dtype=np.int16)
    out = resampler.process(np.concatenate([samples, tail]))
    return out[: round(len(samples) * rate_out / rate_in)]

"""PCM helpers: reading WAV files, downmixing and resampling to 16 kHz mono int16."""

from __future__ import annotations

import math
import wave
from pathlib import Path

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
    """Streaming resampler to 16 kHz: windowed-sinc low-pass, then linear interpolation.

    Keeps its filter history and fractional read position across blocks, so a capture
    stream can be converted block by block without clicks at the seams.
    """

    def __init__(self, rate_in: int, rate_out: int = SAMPLE_RATE, taps: int = 63) -> None:
        if rate_in < 4000:
            raise AudioFormatError(f"sample rate {rate_in} Hz is too low for speech")
        self.rate_in, self.rate_out = rate_in, rate_out
        self._step = rate_in / rate_out
        cutoff = 0.45 * min(rate_in, rate_out) / rate_in  # of the input rate
        n = np.arange(taps) - (taps - 1) / 2
        kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
        self._kernel = kernel / kernel.sum()
        self._history = np.zeros(taps - 1)
        self._pos = 0.0  # next output position, in input samples relative to this block

    def process(self, block: Pcm) -> Pcm:
        signal = np.concatenate([self._history, block.astype(np.float64)])
        filtered = np.convolve(signal, self._kernel, mode="valid")  # one per input sample
        self._history = signal[len(signal) - len(self._history):]
        if len(filtered) == 0:
            return np.zeros(0, dtype=np.int16)
        count = max(0, math.ceil((len(filtered) - 1 - self._pos) / self._step))
        positions = self._pos + self._step * np.arange(count)
        out = np.interp(positions, np.arange(len(filtered)), filtered)
        self._pos = self._pos + self._step * count - len(filtered)
        result: Pcm = np.clip(np.round(out), -32768, 32767).astype(np.int16)
        return result


def resample(samples: Pcm, rate_in: int, rate_out: int = SAMPLE_RATE) -> Pcm:
    """Resample a whole recording (delay of the filter compensated)."""
    if rate_in == rate_out:
        return samples
    resampler = Resampler(rate_in, rate_out)
    delay = (len(resampler._kernel) - 1) // 2
    padded = np.concatenate([samples, np.zeros(delay + 4, dtype=np.int16)])
    out = resampler.process(padded)
    skip = round(delay * rate_out / rate_in)
    return out[skip: skip + round(len(samples) * rate_out / rate_in)]

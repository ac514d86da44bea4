"""PCM helpers: reading WAV files, downmixing and resampling to 16 kHz mono int16."""

from __future__ import annotations

import math
import wave
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

from homewatch.core.errors import HomewatchError

SAMPLE_RATE = 16000
Pcm = npt.NDArray[np.int16]


class AudioFormatError(HomewatchError):
    """Audio the pipeline cannot use (not a WAV, not 16-bit PCM, ...)."""


CHUNK_FRAMES = 16000  # read at most this many frames at a time (1 s at 16 kHz)


def _open_checked(path: Path) -> wave.Wave_read:
    """An open 16-bit PCM WAV, or AudioFormatError saying what is wrong with it."""
    try:
        wav = wave.open(str(path), "rb")  # noqa: SIM115 (closed by the caller)
    except FileNotFoundError:
        raise AudioFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AudioFormatError(f"{path}: a directory, not a WAV file") from None
    except (wave.Error, EOFError, RuntimeError, ValueError, OSError) as exc:
        # The wave module raises several kinds on malformed chunks (RuntimeError on a bad
        # chunk size): all mean the same here.
        raise AudioFormatError(f"{path}: not a PCM WAV file ({exc or type(exc).__name__})"
                               ) from None
    width = wav.getsampwidth()
    if width != 2:
        wav.close()
        raise AudioFormatError(f"{path}: {8 * width}-bit samples; 16-bit PCM is needed "
                               f"(convert with: sox {path.name} -b 16 out.wav)")
    if wav.getframerate() < 4000:
        wav.close()
        raise AudioFormatError(f"{path}: sample rate {wav.getframerate()} Hz is too low "
                               "for speech")
    return wav


def wav_chunks(path: Path, frames: int = CHUNK_FRAMES) -> Iterator[Pcm]:
    """16 kHz mono int16 chunks of a WAV file, read and resampled piece by piece: a file of
    any length costs a few chunks of memory. The format is checked now (AudioFormatError)."""
    return _chunks(_open_checked(path), frames)


def _chunks(wav: wave.Wave_read, frames: int) -> Iterator[Pcm]:
    with wav:
        channels, rate = wav.getnchannels(), wav.getframerate()
        resampler = Resampler(rate) if rate != SAMPLE_RATE else None
        total = 0
        produced = 0
        while data := wav.readframes(frames):
            samples = downmix(np.frombuffer(data, dtype="<i2").astype(np.int16), channels)
            total += len(samples)
            out = resampler.process(samples) if resampler else samples
            produced += len(out)
            yield out
        if resampler is not None:  # flush the kernel's lag, trimmed to the exact length
            tail = np.zeros(resampler.half_width + math.ceil(rate / SAMPLE_RATE) + 1,
                            dtype=np.int16)
            wanted = round(total * SAMPLE_RATE / rate) - produced
            if wanted > 0:
                yield resampler.process(tail)[:wanted]


def read_wav(path: Path) -> tuple[Pcm, int]:
    """(mono int16 samples, sample rate) of a 16-bit PCM WAV file."""
    with _open_checked(path) as wav:
        channels, rate = wav.getnchannels(), wav.getframerate()
        data = wav.readframes(wav.getnframes())
    samples = np.frombuffer(data, dtype="<i2").astype(np.int16)
    return downmix(samples, channels), rate


def read_wav_16k(path: Path) -> Pcm:
    chunks = list(wav_chunks(path))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


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

    def __init__(self, rate_in: int, rate_out: int = SAMPLE_RATE, zero_crossings: int = 8
                 ) -> None:
        if rate_in < 4000:
            raise AudioFormatError(f"sample rate {rate_in} Hz is too low for speech")
        self.rate_in, self.rate_out = rate_in, rate_out
        self._cutoff = 0.9 * min(1.0, rate_out / rate_in)  # of the input Nyquist frequency
        self.half_width = math.ceil(zero_crossings / self._cutoff)  # in input samples
        self._buffer = np.zeros(self.half_width)  # input from absolute index `_offset` on
        self._offset = -self.half_width
        self._produced = 0
        ratio = Fraction(rate_in, rate_out)
        self._num, self._phases = ratio.numerator, ratio.denominator
        self._taps = np.arange(-self.half_width + 1, self.half_width + 1)
        # output n sits at n * num / phases input samples: its fractional part repeats
        fractions = np.arange(self._phases, dtype=np.float64) / self._phases
        self._table = self._weights(fractions) if self._phases <= 1000 else None

    def process(self, block: Pcm) -> Pcm:
        self._buffer = np.concatenate([self._buffer, block.astype(np.float64)])
        k = self.half_width
        end = self._offset + len(self._buffer)  # absolute index one past the last sample
        # output n sits at input position n * num / phases and needs samples up to floor + k
        last = (end - 1 - k) * self._phases // self._num if end - 1 - k >= 0 else -1
        count = max(0, last - self._produced + 1)
        out = self._interpolate(self._produced, count)
        self._produced += count
        keep_from = self._produced * self._num // self._phases - k + 1 - self._offset
        if keep_from > 0:
            self._buffer = self._buffer[keep_from:]
            self._offset += keep_from
        result: Pcm = np.clip(np.round(out), -32768, 32767).astype(np.int16)
        return result

    def _weights(self, fractions: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        distance = fractions[:, None] - self._taps[None, :]
        window = 0.5 * (1 + np.cos(np.pi * np.clip(distance / self.half_width, -1, 1)))
        weights: npt.NDArray[np.float64] = (
            self._cutoff * np.sinc(self._cutoff * distance) * window)
        weights /= weights.sum(axis=1, keepdims=True)
        return weights

    def _interpolate(self, first: int, count: int) -> npt.NDArray[np.float64]:
        """Outputs first..first+count-1 from the buffer."""
        if count == 0:
            return np.zeros(0)
        n = first + np.arange(count, dtype=np.int64)
        whole, phase = np.divmod(n * self._num, self._phases)
        index = (whole - self._offset)[:, None] + self._taps[None, :]
        if self._table is not None:
            weights = self._table[phase]
        else:
            weights = self._weights(phase.astype(np.float64) / self._phases)
        out: npt.NDArray[np.float64] = np.einsum("ij,ij->i", self._buffer[index], weights)
        return out


def resample(samples: Pcm, rate_in: int, rate_out: int = SAMPLE_RATE) -> Pcm:
    """Resample a whole recording."""
    if rate_in == rate_out:
        return samples
    resampler = Resampler(rate_in, rate_out)
    tail = np.zeros(resampler.half_width + math.ceil(rate_in / rate_out) + 1, dtype=np.int16)
    out = resampler.process(np.concatenate([samples, tail]))
    return out[: round(len(samples) * rate_out / rate_in)]

"""Where audio comes from: the microphone, a WAV file played as one, or raw PCM on a pipe.

Every source yields blocks of 16 kHz mono int16 samples from `blocks(stop)` and returns when
the input ends or `stop` is set. Device problems raise `AudioDeviceError`; the pipeline
reports them and reopens the source later.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import select
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np

from homewatch.core.errors import HomewatchError
from homewatch.voice.audio import SAMPLE_RATE, AudioFormatError, Pcm, Resampler, wav_chunks
from homewatch.voice.config import SourceConfig

log = logging.getLogger(__name__)


class AudioDeviceError(HomewatchError):
    """The audio device could not be opened or stopped delivering."""


class AudioSource(Protocol):
    name: str
    dropped: int  # blocks lost because the consumer fell behind

    def blocks(self, stop: threading.Event) -> Iterator[Pcm]: ...


class WavSource:
    """A WAV file as the microphone: optionally paced at real time, looped, silence after.

    The file is streamed, and checked each time it is opened: a missing or unusable file is
    an `AudioDeviceError`, reported and retried like an unplugged microphone."""

    def __init__(self, path: Path, *, loop: bool = False, realtime: bool = True,
                 gap_s: float = 1.0, block_ms: int = 30) -> None:
        self.name = f"wav:{path}"
        self.dropped = 0
        self._path = path
        self._loop, self._realtime = loop, realtime
        self._gap = np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.int16)
        self._block = SAMPLE_RATE * block_ms // 1000

    def blocks(self, stop: threading.Event) -> Iterator[Pcm]:
        start = time.monotonic()
        played = 0
        while not stop.is_set():
            for block in self._pass():
                if self._realtime:
                    due = start + played / SAMPLE_RATE
                    if stop.wait(max(0.0, due - time.monotonic())):
                        return
                elif stop.is_set():
                    return
                played += len(block)
                yield block
            if not self._loop:
                return

    def _pass(self) -> Iterator[Pcm]:
        """One play of the file and the gap, in blocks of the configured size."""
        pending = np.zeros(0, dtype=np.int16)
        try:
            for chunk in itertools.chain(wav_chunks(self._path), [self._gap]):
                pending = np.concatenate([pending, chunk])
                usable = len(pending) - len(pending) % self._block
                for offset in range(0, usable, self._block):
                    yield pending[offset:offset + self._block]
                pending = pending[usable:]
        except AudioFormatError as exc:
            raise AudioDeviceError(str(exc)) from None
        if len(pending):
            yield pending


class PcmSource:
    """Raw 16-bit little-endian mono PCM from a pipe, e.g. `arecord -t raw -f S16_LE -c1`."""

    def __init__(self, stream: BinaryIO, sample_rate: int = SAMPLE_RATE,
                 block_ms: int = 30) -> None:
        self.name = "pcm:stdin"
        self.dropped = 0
        self._stream = stream
        self._resampler = Resampler(sample_rate) if sample_rate != SAMPLE_RATE else None
        self._bytes = 2 * sample_rate * block_ms // 1000

    def blocks(self, stop: threading.Event) -> Iterator[Pcm]:
        pending = b""
        while not stop.is_set():
            chunk = self._read(stop)
            if chunk is None:
                continue
            if not chunk:
                return
            pending += chunk
            usable = len(pending) - len(pending) % 2
            block = np.frombuffer(pending[:usable], dtype="<i2").astype(np.int16)
            pending = pending[usable:]
            yield self._resampler.process(block) if self._resampler else block

    def _read(self, stop: threading.Event) -> bytes | None:
        """A chunk, b"" at end of input, or None when nothing arrived (to re-check `stop`)."""
        try:
            fd = self._stream.fileno()
        except (OSError, ValueError, AttributeError):
            return self._stream.read(self._bytes)
        ready, _, _ = select.select([fd], [], [], 0.2)
        return os.read(fd, self._bytes) if ready else None


class MicSource:
    """sounddevice (PortAudio) capture; the callback runs on PortAudio's own thread."""

    def __init__(self, device: str | int | None = None, *, block_ms: int = 30,
                 queue_blocks: int = 100, backend: Any = None) -> None:
        self.name = f"mic:{device if device is not None else 'default'}"
        self.dropped = 0
        self.device = device
        self.rate = SAMPLE_RATE
        self._block_ms = block_ms
        self._queue: queue.Queue[Pcm] = queue.Queue(maxsize=queue_blocks)
        self._sd = backend

    def _backend(self) -> Any:
        if self._sd is None:
            try:
                import sounddevice
            except OSError as exc:  # PortAudio library missing
                raise AudioDeviceError(f"PortAudio is not available: {exc}") from exc
            self._sd = sounddevice
        return self._sd

    def _pick_rate(self, sd: Any) -> int:
        try:
            sd.check_input_settings(device=self.device, channels=1, dtype="int16",
                                    samplerate=SAMPLE_RATE)
            return SAMPLE_RATE
        except Exception as exc:  # PortAudioError or ValueError: fall back to the native rate
            info = sd.query_devices(self.device, "input")
            rate = int(info["default_samplerate"])
            log.info("%s refuses 16 kHz (%s); capturing at %d Hz and resampling",
                     self.name, exc, rate)
            return rate

    def blocks(self, stop: threading.Event) -> Iterator[Pcm]:
        sd = self._backend()
        try:
            self.rate = self._pick_rate(sd)
            resampler = Resampler(self.rate) if self.rate != SAMPLE_RATE else None
            stream = sd.InputStream(device=self.device, channels=1, dtype="int16",
                                    samplerate=self.rate,
                                    blocksize=self.rate * self._block_ms // 1000,
                                    callback=self._callback(resampler))
            stream.start()
        except Exception as exc:
            raise AudioDeviceError(f"cannot open {self.name}: {exc}") from exc
        try:
            yield from self._drain(stop, stream)
        finally:
            stream.close()

    def _drain(self, stop: threading.Event, stream: Any) -> Iterator[Pcm]:
        while not stop.is_set():
            try:
                yield self._queue.get(timeout=0.2)
            except queue.Empty:
                if not stream.active:
                    raise AudioDeviceError(f"{self.name} stopped delivering audio") from None

    def _callback(self, resampler: Resampler | None) -> Callable[..., None]:
        def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
            if status and getattr(status, "input_overflow", False):
                self.dropped += 1
            block = np.asarray(indata, dtype=np.int16).reshape(-1).copy()
            block = resampler.process(block) if resampler else block
            try:
                self._queue.put_nowait(block)
            except queue.Full:
                self.dropped += 1
        return callback


def open_source(config: SourceConfig, stdin: BinaryIO | None = None) -> AudioSource | None:
    """The configured source, or None for `type: none`."""
    if config.type == "wav":
        assert config.path is not None  # checked by the config model
        return WavSource(config.path, loop=config.loop, realtime=config.realtime,
                         gap_s=config.gap_s, block_ms=config.block_ms)
    if config.type == "pcm":
        import sys

        return PcmSource(stdin or sys.stdin.buffer, config.sample_rate, config.block_ms)
    if config.type == "mic":
        return MicSource(config.device, block_ms=config.block_ms,
                         queue_blocks=config.queue_blocks)
    return None

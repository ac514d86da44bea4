"""The recognition loop that runs on its own thread: source → endpointer → recognizer.

It never touches the event loop except through `emit`, which the service makes
thread-safe. Device errors are reported and the source reopened after a pause.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from homewatch.core.messages import Utterance
from homewatch.voice.activation import Activation
from homewatch.voice.audio import SAMPLE_RATE
from homewatch.voice.endpointer import (
    Endpointer,
    Event,
    SpeechAudio,
    SpeechDiscarded,
    SpeechEnded,
    SpeechStarted,
)
from homewatch.voice.grammar import CommandGrammar
from homewatch.voice.recognizers import Recognizer, RecognizerStream
from homewatch.voice.sources import AudioDeviceError, AudioSource

log = logging.getLogger(__name__)


@dataclass
class PipelineStats:
    audio: str = "starting"  # running | ended | error: ... | muted
    audio_seconds: float = 0.0
    utterances: int = 0  # accepted and emitted
    ignored: int = 0  # recognized but not meant for us (no wake phrase, not listening)
    discarded: int = 0  # too little speech
    skipped: int = 0  # speech while muted or outside push-to-talk
    device_errors: int = 0
    recognizer_errors: int = 0
    decode_seconds: float = 0.0  # recognizer CPU-side wall time
    speech_seconds: float = 0.0  # audio given to the recognizer
    last_latency: float = 0.0
    latency_total: float = 0.0

    @property
    def real_time_factor(self) -> float:
        return self.decode_seconds / self.speech_seconds if self.speech_seconds else 0.0


class VoicePipeline:
    def __init__(self, source: AudioSource, endpointer: Endpointer, recognizer: Recognizer,
                 grammar: CommandGrammar, activation: Activation, *,
                 emit: Callable[[Utterance], object], retry_s: float = 5.0) -> None:
        self.source = source
        self.endpointer = endpointer
        self.recognizer = recognizer
        self.grammar = grammar
        self.activation = activation
        self.emit = emit
        self.retry_s = retry_s
        self.stats = PipelineStats()
        self._stream: RecognizerStream | None = None
        self._pending = b""

    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set or a file source ends; device errors are retried.

        Anything else ends the thread (logged), which makes the service unhealthy.
        """
        try:
            self._run(stop)
        except Exception as exc:
            self.stats.audio = f"failed: {exc}"
            log.exception("voice: the recognition thread failed")
        finally:
            self._drop_utterance()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                for block in self.source.blocks(stop):
                    self._running()
                    self._feed(block.tobytes())
                self._flush()
                if not stop.is_set():
                    self.stats.audio = "ended"
                    return
            except AudioDeviceError as exc:
                self.stats.device_errors += 1
                status = f"error: {exc}"
                # Once per distinct problem, not every retry_s while the device stays away.
                level = logging.ERROR if status != self.stats.audio else logging.DEBUG
                log.log(level, "voice: %s; retrying every %.0f s", exc, self.retry_s)
                self.stats.audio = status
                self._drop_utterance()
                stop.wait(self.retry_s)

    def _running(self) -> None:
        if self.stats.audio != "running":
            if self.stats.audio.startswith("error"):
                log.info("voice: audio input is back")
            self.stats.audio = "running"

    def _feed(self, data: bytes) -> None:
        self.stats.audio_seconds += len(data) / (2 * SAMPLE_RATE)
        if self.activation.is_muted():
            self._drop_utterance()
            self._pending = b""
            return
        self._pending += data
        size = self.endpointer.frame_bytes
        usable = len(self._pending) - len(self._pending) % size
        frames, self._pending = self._pending[:usable], self._pending[usable:]
        for offset in range(0, usable, size):
            for event in self.endpointer.process(frames[offset:offset + size]):
                self._handle_safely(event)

    def _flush(self) -> None:
        for event in self.endpointer.flush():
            self._handle_safely(event)

    def _handle_safely(self, event: Event) -> None:
        """A failing utterance is logged and dropped; listening goes on."""
        try:
            self._handle(event)
        except Exception:
            self.stats.recognizer_errors += 1
            log.exception("voice: recognition failed; utterance dropped")
            stream, self._stream = self._stream, None
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.abort()
            self.endpointer.reset()

    def _handle(self, event: Event) -> None:
        if isinstance(event, SpeechStarted):
            if self.activation.wants_speech():
                self._stream = self.recognizer.stream()
                self._accept(event.audio)
            else:
                self.stats.skipped += 1
        elif isinstance(event, SpeechAudio):
            self._accept(event.audio)
        elif isinstance(event, SpeechDiscarded):
            self.stats.discarded += 1
            self._drop_utterance()
        elif isinstance(event, SpeechEnded):
            self._finish(event)

    def _accept(self, audio: bytes) -> None:
        if self._stream is None:
            return
        started = time.perf_counter()
        self._stream.accept(audio)
        self.stats.decode_seconds += time.perf_counter() - started
        self.stats.speech_seconds += len(audio) / (2 * SAMPLE_RATE)

    def _finish(self, event: SpeechEnded) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        ended = time.perf_counter()
        transcript = stream.result()
        latency = time.perf_counter() - ended
        self.stats.decode_seconds += latency
        # The home's language model hears paraphrases: snapping them to the nearest short
        # command form would change what was said.
        text = transcript.text if self.recognizer.mode == "lm" \
            else self.grammar.snap(transcript.text).text
        utt = Utterance(text=text, raw=transcript.text, confidence=transcript.confidence,
                        words=transcript.words, recognizer=self.recognizer.name,
                        duration=event.duration, latency=latency, ts=time.time(),
                        alternative=transcript.open_text,
                        alternatives=transcript.alternatives)
        if not self.activation.accept(utt.text):
            self.stats.ignored += 1
            return
        log.debug("voice: heard %r (raw %r, %.0f ms after the end)", utt.text, utt.raw,
                  latency * 1000)
        self.stats.utterances += 1
        self.stats.last_latency = latency
        self.stats.latency_total += latency
        self.emit(utt)

    def _drop_utterance(self) -> None:
        if self._stream is not None:
            self._stream.abort()
            self._stream = None
        if self.endpointer.speaking:
            self.endpointer.reset()

"""The voice service of the daemon: hears utterances and hands them on.

Each accepted utterance is published as `voice/transcript`, shown in Home Assistant as the
last-transcript sensor, and awaited through `on_utterance` (the understanding layer).
Capture and recognition run on a worker thread; the event loop only receives results.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

from homewatch.core.bus import Bus
from homewatch.core.errors import ModelError
from homewatch.core.messages import Utterance
from homewatch.core.native import NativeLibraryError
from homewatch.voice import api
from homewatch.voice.activation import Activation
from homewatch.voice.config import VoiceSetup
from homewatch.voice.endpointer import Endpointer
from homewatch.voice.grammar import CommandGrammar
from homewatch.voice.names import command_grammar
from homewatch.voice.pipeline import PipelineStats, VoicePipeline
from homewatch.voice.recognizers import Recognizer, load_recognizer
from homewatch.voice.sources import AudioSource, open_source
from homewatch.voice.vad import EnergyVad, Vad, WebRtcVad

log = logging.getLogger(__name__)

QUEUE_SIZE = 16


class VoiceService:
    name = "voice"

    def __init__(self, setup: VoiceSetup, bus: Bus,
                 on_utterance: Callable[[Utterance], Awaitable[object]], *,
                 source: AudioSource | None = None,
                 recognizer: Recognizer | None = None) -> None:
        """`source`/`recognizer` override the configured ones (replays, shared models)."""
        self.setup = setup
        self.settings = setup.settings
        self.bus = bus
        self.on_utterance = on_utterance
        self.grammar: CommandGrammar = command_grammar(setup)
        self.activation = Activation(self.settings.activation, self.grammar.split_wake)
        self._source = source
        self._recognizer = recognizer
        self._pipeline: VoicePipeline | None = None
        self._thread: threading.Thread | None = None
        self._dropped = 0
        bus.add_api(api.voice_api(self._on_listen))

    def listen(self, seconds: float) -> None:
        """Take the next utterance without the wake phrase (an answer to a question)."""
        self.activation.listen(seconds)

    def mute(self, seconds: float) -> None:
        """Stop listening for `seconds` (call it while speaking a reply)."""
        self.activation.mute(seconds)

    @contextlib.contextmanager
    def muted(self) -> Iterator[None]:
        with self.activation.muted():
            yield

    def healthy(self) -> bool:
        """The recognition thread is alive (or finished a file source normally)."""
        if self._pipeline is None or self._thread is None:
            return True
        return self._thread.is_alive() or self._pipeline.stats.audio == "ended"

    def stats(self) -> dict[str, Any]:
        stats = self._pipeline.stats if self._pipeline else PipelineStats()
        source = self._pipeline.source if self._pipeline else None
        return {
            "audio": stats.audio,
            "source": source.name if source else self.settings.source.type,
            "recognizer": self._recognizer.name if self._recognizer else None,
            "grammar": bool(self._recognizer and self._recognizer.grammar),
            "mode": self._recognizer.mode if self._recognizer else None,
            "real_time_factor": round(stats.real_time_factor, 4),
            "latency_last_s": round(stats.last_latency, 4),
            "latency_mean_s": round(stats.latency_total / stats.utterances, 4)
            if stats.utterances else 0.0,
            "audio_s": round(stats.audio_seconds, 1),
            "utterances": stats.utterances,
            "ignored": stats.ignored,
            "discarded": stats.discarded,
            "skipped": stats.skipped,
            "device_errors": stats.device_errors,
            "recognizer_errors": stats.recognizer_errors,
            "dropped_blocks": source.dropped if source else 0,
            "dropped_utterances": self._dropped,
            "muted": self.activation.is_muted(),
        }

    def problem(self) -> str | None:
        """An audio source that failed and is being retried (an unusable WAV, no device)."""
        audio = self._pipeline.stats.audio if self._pipeline else ""
        return f"audio {audio}" if audio.startswith("error") else None

    async def run(self) -> None:
        source = self._source or open_source(self.settings.source)
        if source is None:
            log.info("voice: no audio source configured")
            await asyncio.Event().wait()
            return
        if self._recognizer is None:
            try:
                self._recognizer = await asyncio.to_thread(self._load_recognizer)
            except (ModelError, NativeLibraryError) as exc:
                log.error("voice: no recognizer can load, voice is off: %s", exc)
                await asyncio.Event().wait()
                return
        queue: asyncio.Queue[Utterance] = asyncio.Queue(QUEUE_SIZE)
        loop = asyncio.get_running_loop()
        endpointer = Endpointer(self.settings.endpoint, self._vad())
        self._pipeline = VoicePipeline(
            source, endpointer, self._recognizer, self.grammar, self.activation,
            emit=lambda utt: loop.call_soon_threadsafe(self._offer, queue, utt),
            retry_s=self.settings.source.retry_s)
        stop = threading.Event()
        self._thread = threading.Thread(target=self._pipeline.run, args=(stop,),
                                        name="voice-recognition", daemon=True)
        self._thread.start()
        try:
            while True:
                await self._deliver(await queue.get())
        finally:
            stop.set()
            await asyncio.to_thread(self._thread.join)

    def _load_recognizer(self) -> Recognizer:
        """The configured engine; pocketsphinx when Vosk's model or library is missing."""
        grammar = self.grammar
        try:
            return load_recognizer(self.setup, grammar)
        except (ModelError, NativeLibraryError) as exc:
            if self.settings.recognizer.engine == "pocketsphinx":
                raise
            log.error("voice: %s; using pocketsphinx meanwhile", exc)
            return load_recognizer(self.setup, grammar, "pocketsphinx")

    def _vad(self) -> Vad:
        try:
            return WebRtcVad(self.settings.endpoint.vad_aggressiveness)
        except NativeLibraryError as exc:
            log.error("voice: %s; using the energy VAD meanwhile", exc)
            return EnergyVad()

    def _offer(self, queue: asyncio.Queue[Utterance], utt: Utterance) -> None:
        try:
            queue.put_nowait(utt)
        except asyncio.QueueFull:
            self._dropped += 1
            log.warning("voice: utterance dropped, the consumer is behind: %r", utt.text)

    async def _deliver(self, utt: Utterance) -> None:
        # What was said after the wake phrase; the raw text stays in `raw`.
        utt = replace(utt, text=self.grammar.split_wake(utt.text)[1],
                      alternatives=tuple(self.grammar.split_wake(a)[1] for a in utt.alternatives))
        payload = api.utterance_payload(utt)
        self.bus.publish_event(api.TRANSCRIPT.pattern, payload)
        self.bus.publish_state(api.LAST.pattern, api.sensor_state(utt.text))
        self.bus.publish_state(api.LAST_ATTRIBUTES.pattern, payload)
        try:
            await self.on_utterance(utt)
        except Exception:
            log.exception("voice: handling %r failed", utt.text)

    async def _on_listen(self, request: api.Listen) -> None:
        """Push-to-talk."""
        if request.stop:
            self.activation.cancel()
        elif request.seconds is None:
            self.activation.listen()
        else:
            self.activation.listen(request.seconds)

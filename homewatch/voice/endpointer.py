"""Cuts a frame stream into utterances: start on mostly-speech, end on trailing silence.

Pure logic (no clock, no threads): feed frames, get events. Times are in frames of audio,
so file replays and live capture behave the same.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from homewatch.voice.config import EndpointConfig
from homewatch.voice.vad import Vad


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    audio: bytes  # pre-roll plus the frames that triggered the start


@dataclass(frozen=True, slots=True)
class SpeechAudio:
    audio: bytes


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    reason: Literal["silence", "max_length", "end_of_stream"]
    duration: float  # seconds of audio in the utterance


@dataclass(frozen=True, slots=True)
class SpeechDiscarded:
    duration: float  # too little speech to be a command


Event = SpeechStarted | SpeechAudio | SpeechEnded | SpeechDiscarded


class Endpointer:
    def __init__(self, config: EndpointConfig, vad: Vad) -> None:
        self.config = config
        self.vad = vad
        ms = config.frame_ms
        self.frame_bytes = 16 * ms * 2
        self._window = max(1, round(config.start_window_s * 1000 / ms))
        self._pre_roll = round(config.pre_roll_s * 1000 / ms)
        self._silence = max(1, round(config.trailing_silence_s * 1000 / ms))
        self._max = max(1, round(config.max_utterance_s * 1000 / ms))
        self._min_speech = round(config.min_speech_s * 1000 / ms)
        self._frame_s = ms / 1000
        self.reset()

    def reset(self) -> None:
        self.vad.reset()
        self._history: deque[tuple[bytes, bool]] = deque(maxlen=self._pre_roll + self._window)
        self.speaking = False
        self._frames = self._speech_frames = self._trailing = 0

    def process(self, frame: bytes) -> list[Event]:
        if len(frame) != self.frame_bytes:
            raise ValueError(f"frame of {len(frame)} bytes; expected {self.frame_bytes}")
        speech = self.vad.is_speech(frame)
        if not self.speaking:
            return self._idle(frame, speech)
        self._frames += 1
        self._speech_frames += speech
        self._trailing = 0 if speech else self._trailing + 1
        events: list[Event] = [SpeechAudio(frame)]
        if self._trailing >= self._silence:
            events.append(self._finish("silence"))
        elif self._frames >= self._max:
            events.append(self._finish("max_length"))
        return events

    def flush(self) -> list[Event]:
        """End of the stream: close an utterance in progress."""
        return [self._finish("end_of_stream")] if self.speaking else []

    def _idle(self, frame: bytes, speech: bool) -> list[Event]:
        self._history.append((frame, speech))
        recent = list(self._history)[-self._window:]
        if len(recent) < self._window:
            return []
        if sum(s for _, s in recent) < self.config.start_ratio * self._window:
            return []
        self.speaking = True
        self._frames = len(self._history)
        self._speech_frames = sum(s for _, s in self._history)
        self._trailing = 0
        audio = b"".join(f for f, _ in self._history)
        self._history.clear()
        return [SpeechStarted(audio)]

    def _finish(self, reason: Literal["silence", "max_length", "end_of_stream"]) -> Event:
        duration = self._frames * self._frame_s
        enough = self._speech_frames >= self._min_speech
        self.reset()
        return SpeechEnded(reason, duration) if enough else SpeechDiscarded(duration)

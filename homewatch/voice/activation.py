"""Which utterances are meant for homewatch: wake phrase, push-to-talk, or all; and muting.

Called from the event loop (commands, the dialog muting while it speaks) and from the
recognition thread, hence the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from homewatch.voice.config import ActivationConfig

SplitWake = Callable[[str], tuple[str, str]]


class Activation:
    def __init__(self, config: ActivationConfig, split_wake: SplitWake,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._split_wake = split_wake
        self._clock = clock
        self._lock = threading.Lock()
        self._muted_until = 0.0
        self._mute_holds = 0
        self._listen_until = 0.0

    def mute(self, seconds: float) -> None:
        """Ignore audio for `seconds` (e.g. while the daemon speaks a reply)."""
        with self._lock:
            self._muted_until = max(self._muted_until, self._clock() + seconds)

    @contextmanager
    def muted(self) -> Iterator[None]:
        """Ignore audio for as long as the block runs."""
        with self._lock:
            self._mute_holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._mute_holds -= 1

    def is_muted(self) -> bool:
        with self._lock:
            return self._mute_holds > 0 or self._clock() < self._muted_until

    def listen(self, seconds: float | None = None) -> None:
        """Take the next utterance regardless of the wake phrase (push-to-talk)."""
        with self._lock:
            self._listen_until = self._clock() + (seconds or self.config.listen_window_s)

    def cancel(self) -> None:
        with self._lock:
            self._listen_until = 0.0

    def listening(self) -> bool:
        with self._lock:
            return self._clock() < self._listen_until

    def wants_speech(self) -> bool:
        """Worth recognizing what starts now? (push-to-talk skips decoding outside a window)"""
        if self.is_muted():
            return False
        return self.config.mode != "push_to_talk" or self.listening()

    def accept(self, text: str) -> bool:
        """Is this transcript a command for us? Consumes an open listening window."""
        if not text:
            return False
        with self._lock:
            window = self._clock() < self._listen_until
            if window:
                self._listen_until = 0.0
                return True
            if self.config.mode == "always":
                return True
            if self.config.mode == "push_to_talk":
                return False
            wake, rest = self._split_wake(text)
            if wake and not rest:  # the wake phrase alone: the next utterance is the command
                self._listen_until = self._clock() + self.config.listen_window_s
                return False
            return bool(wake)

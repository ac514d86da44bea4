"""The recognizer interface and the choice of engine.

A `Recognizer` holds a loaded model (loaded once, shared); `stream()` opens a per-utterance
decoder fed with 16 kHz mono int16 PCM as it arrives, so only the tail is left to decode
when the speaker stops. Everything here blocks: call it from a worker thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from homewatch.core.messages import Word
from homewatch.core.native import NativeLibraryError

if TYPE_CHECKING:
    from homewatch.voice.config import VoiceSetup
    from homewatch.voice.grammar import CommandGrammar

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
ENGINES = ("vosk", "pocketsphinx")


@dataclass(frozen=True, slots=True)
class Transcript:
    """What an engine heard in one utterance, before snapping."""

    text: str
    words: tuple[Word, ...]
    confidence: float
    # What a second, open-vocabulary pass heard in the same audio (None: no second pass).
    open_text: str | None = None
    # The recognizer's best distinct hypotheses, best first (lm mode; empty otherwise): how
    # much their meanings agree tells how well the words were heard.
    alternatives: tuple[str, ...] = ()


class RecognizerStream(Protocol):
    def accept(self, pcm: bytes) -> None:
        """Feed 16 kHz mono int16 little-endian samples."""

    def result(self) -> Transcript:
        """Finish the utterance and return the transcript; the stream is then closed."""

    def abort(self) -> None:
        """Drop the utterance (too short, muted)."""


class Recognizer(Protocol):
    name: str
    mode: str  # lm, grammar or open
    grammar: bool  # mode == "grammar": transcripts are snapped to the command phrases

    def stream(self) -> RecognizerStream: ...


def mean_confidence(words: tuple[Word, ...]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def load_recognizer(setup: VoiceSetup, grammar: CommandGrammar | None,
                    engine: str | None = None, mode: str | None = None) -> Recognizer:
    """Load the configured engine (`auto`: Vosk when its model is installed, else pocketsphinx)
    in the configured mode; no `grammar` means open vocabulary."""
    from homewatch.voice.vosk_engine import VoskRecognizer, find_vosk_model

    rcfg = setup.settings.recognizer
    choice = engine or rcfg.engine
    if choice == "auto":
        choice = "vosk" if find_vosk_model(setup.models, rcfg.vosk_model) else "pocketsphinx"
        if choice == "pocketsphinx":
            # auto: pocketsphinx is the expected choice until a Vosk model is pulled
            setup.models.fallback("Vosk model", rcfg.vosk_model, "pocketsphinx", logging.INFO)
    how = "open" if grammar is None else mode or setup.mode(choice)
    if choice == "vosk":
        found = setup.models.find(rcfg.vosk_model)
        try:
            return VoskRecognizer(found or setup.models.candidates(rcfg.vosk_model)[0],
                                  grammar if how == "grammar" else None)
        except NativeLibraryError as exc:
            if (engine or rcfg.engine) != "auto":
                raise
            log.warning("%s; using pocketsphinx instead", exc)
            choice = "pocketsphinx"
            how = "open" if grammar is None else mode or setup.mode(choice)
    if choice == "pocketsphinx":
        from homewatch.voice.language_model import language_model
        from homewatch.voice.pocketsphinx_engine import PocketsphinxRecognizer

        if how == "lm":
            return PocketsphinxRecognizer(grammar, rcfg.pronunciations,
                                          language_model=language_model(setup),
                                          verify=rcfg.verify, nbest=rcfg.nbest,
                                          topn=rcfg.topn)
        return PocketsphinxRecognizer(grammar if how == "grammar" else None, rcfg.pronunciations,
                                      topn=rcfg.topn)
    raise ValueError(f"unknown recognizer {choice!r}; choose one of: auto, {', '.join(ENGINES)}")

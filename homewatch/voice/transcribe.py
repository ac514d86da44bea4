"""Whole-recording transcription: `homewatch transcribe`, `homewatch ask --audio`, tests."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from homewatch.core.messages import Utterance
from homewatch.voice.audio import SAMPLE_RATE, Pcm, wav_chunks
from homewatch.voice.config import VoiceSetup
from homewatch.voice.grammar import CommandGrammar
from homewatch.voice.names import command_grammar
from homewatch.voice.recognizers import Recognizer, load_recognizer

CHUNK_SAMPLES = 1600  # 0.1 s, as a capture stream would deliver it


def recognize_pcm(recognizer: Recognizer, grammar: CommandGrammar | None,
                  pcm: Pcm | Iterable[Pcm], chunk: int = CHUNK_SAMPLES) -> Utterance:
    """Stream `pcm` (samples, or chunks of them as `wav_chunks` reads a file) through a
    recognizer; latency is the time left after the last chunk."""
    stream = recognizer.stream()
    samples = 0
    try:
        for piece in ([pcm] if isinstance(pcm, np.ndarray) else pcm):
            samples += len(piece)
            for start in range(0, len(piece), chunk):
                stream.accept(piece[start:start + chunk].tobytes())
    except BaseException:
        stream.abort()
        raise
    end_of_speech = time.monotonic()
    transcript = stream.result()
    latency = time.monotonic() - end_of_speech
    snap = grammar.snap(transcript.text) if grammar and recognizer.mode != "lm" else None
    return Utterance(
        text=snap.text if snap else transcript.text,
        raw=transcript.text,
        confidence=transcript.confidence,
        words=transcript.words,
        recognizer=recognizer.name,
        duration=samples / SAMPLE_RATE,
        latency=latency,
        ts=time.time(),
        alternative=transcript.open_text,
        alternatives=transcript.alternatives,
    )


def transcribe_file(path: Path, setup: VoiceSetup | None = None, grammar: bool = True,
                    recognizer: Recognizer | str | None = None,
                    mode: str | None = None) -> Utterance:
    """Transcribe one WAV file (any rate, 16-bit) as one utterance.

    `recognizer` is a loaded recognizer to reuse, an engine name, or None for the config's.
    Raises AudioFormatError for unusable audio and ModelError for a missing model.
    """
    cfg = setup or VoiceSetup()
    commands = command_grammar(cfg)
    pcm = wav_chunks(Path(path))
    if recognizer is None or isinstance(recognizer, str):
        recognizer = load_recognizer(cfg, commands if grammar else None, recognizer, mode)
    return recognize_pcm(recognizer, commands, pcm)

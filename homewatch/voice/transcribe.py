"""Whole-recording transcription: `homewatch transcribe`, `homewatch ask --audio`, tests."""

from __future__ import annotations

import time
from pathlib import Path

from homewatch.core.messages import Utterance
from homewatch.voice.audio import SAMPLE_RATE, Pcm, read_wav_16k
from homewatch.voice.config import VoiceSetup
from homewatch.voice.grammar import CommandGrammar
from homewatch.voice.names import command_grammar
from homewatch.voice.recognizers import Recognizer, load_recognizer

CHUNK_SAMPLES = 1600  # 0.1 s, as a capture stream would deliver it


def recognize_pcm(recognizer: Recognizer, grammar: CommandGrammar | None, pcm: Pcm,
                  chunk: int = CHUNK_SAMPLES) -> Utterance:
    """Stream `pcm` through a recognizer; latency is the time left after the last chunk."""
    stream = recognizer.stream()
    try:
        for start in range(0, len(pcm), chunk):
            stream.accept(pcm[start:start + chunk].tobytes())
    except BaseException:
        stream.abort()
        raise
    end_of_speech = time.monotonic()
    transcript = stream.result()
    latency = time.monotonic() - end_of_speech
    snap = grammar.snap(transcript.text) if grammar else None
    return Utterance(
        text=snap.text if snap else transcript.text,
        raw=transcript.text,
        confidence=transcript.confidence,
        words=transcript.words,
        recognizer=recognizer.name,
        duration=len(pcm) / SAMPLE_RATE,
        latency=latency,
        ts=time.time(),
    )


def transcribe_file(path: Path, setup: VoiceSetup | None = None, grammar: bool = True,
                    recognizer: Recognizer | str | None = None) -> Utterance:
    """Transcribe one WAV file (any rate, 16-bit) as one utterance.

    `recognizer` is a loaded recognizer to reuse, an engine name, or None for the config's.
    Raises AudioFormatError for unusable audio and ModelError for a missing model.
    """
    cfg = setup or VoiceSetup()
    commands = command_grammar(cfg)
    pcm = read_wav_16k(Path(path))
    if recognizer is None or isinstance(recognizer, str):
        recognizer = load_recognizer(cfg, commands if grammar else None, recognizer)
    return recognize_pcm(recognizer, commands, pcm)

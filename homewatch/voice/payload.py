"""The `voice/transcript` message (also `homewatch transcribe --json`)."""

from __future__ import annotations

from typing import Any

from homewatch.core.messages import Utterance
from homewatch.core.redact import redact, redact_words

STATE_MAX = 255  # Home Assistant's limit for a sensor state


def utterance_payload(utt: Utterance) -> dict[str, Any]:
    """The published transcript, with any spoken PIN masked."""
    masked = redact_words([w.word for w in utt.words])
    return {
        "text": redact(utt.text),
        "raw": redact(utt.raw),
        "confidence": round(utt.confidence, 3),
        "words": [{"word": m, "start": round(w.start, 3), "end": round(w.end, 3),
                   "confidence": round(w.confidence, 3)} for w, m in zip(utt.words, masked,
                                                                          strict=True)],
        "recognizer": utt.recognizer,
        "duration": round(utt.duration, 3),
        "latency": round(utt.latency, 4),
        "ts": round(utt.ts, 3),
    }


def sensor_state(text: str) -> str:
    text = redact(text)
    return text if len(text) <= STATE_MAX else text[: STATE_MAX - 1] + "…"

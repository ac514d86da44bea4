"""The `voice/transcript` message (also `homewatch transcribe --json`)."""

from __future__ import annotations

from typing import Any

from homewatch.core.messages import Utterance

STATE_MAX = 255  # Home Assistant's limit for a sensor state


def utterance_payload(utt: Utterance) -> dict[str, Any]:
    return {
        "text": utt.text,
        "raw": utt.raw,
        "confidence": round(utt.confidence, 3),
        "words": [{"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3),
                   "confidence": round(w.confidence, 3)} for w in utt.words],
        "recognizer": utt.recognizer,
        "duration": round(utt.duration, 3),
        "latency": round(utt.latency, 4),
        "ts": round(utt.ts, 3),
    }


def sensor_state(text: str) -> str:
    return text if len(text) <= STATE_MAX else text[: STATE_MAX - 1] + "…"

"""The voice MQTT API: transcripts out (and their encoding, also `homewatch transcribe
--json`), push-to-talk in, the last-transcript sensor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homewatch.core.api import Api, Declaration, Route, command, published
from homewatch.core.commands import Command, CommandRejected
from homewatch.core.messages import Utterance
from homewatch.core.redact import redact, redact_words

TRANSCRIPT = published("voice/transcript", "JSON `{text, raw, confidence, words, recognizer, "
                       "duration, latency, ts}`; `text` without the wake phrase, `raw` as heard")
LAST = published("voice/last", "the last transcript as text (state of the last-transcript "
                 "sensor, at most 255 characters)", retained=True)
LAST_ATTRIBUTES = published("voice/last/attributes", "JSON, as on `voice/transcript` "
                            "(attributes of the last-transcript sensor)", retained=True)
LISTEN = command("voice/listen", "push-to-talk: empty/`ON`/seconds opens the microphone, "
                 "`OFF` closes it")
VOICE = Declaration("voice", (TRANSCRIPT, LAST, LAST_ATTRIBUTES, LISTEN))
MAX_LISTEN_S = 120
STATE_MAX = 255  # Home Assistant's limit for a sensor state


@dataclass(frozen=True, slots=True)
class Listen:
    """Open the microphone without the wake phrase (for `seconds`, else the configured
    window), or close it (`stop`)."""

    stop: bool = False
    seconds: float | None = None


def parse_listen(command: Command) -> Listen:
    """empty/ON/START/LISTEN or seconds opens a window; OFF/STOP/CANCEL closes it."""
    text = command.text().upper()
    if text in ("OFF", "STOP", "CANCEL"):
        return Listen(stop=True)
    if text in ("", "ON", "START", "LISTEN"):
        return Listen()
    try:
        seconds = float(text)
    except ValueError:
        raise CommandRejected("bad_payload", "voice/listen takes ON, OFF or a number of "
                              "seconds") from None
    if not 0 < seconds <= MAX_LISTEN_S:
        raise CommandRejected("bad_payload", f"listen window must be 0-{MAX_LISTEN_S} seconds")
    return Listen(seconds=seconds)


def voice_api(listen: Callable[[Listen], Awaitable[None]]) -> Api:
    return Api(VOICE, (Route(LISTEN, parse_listen, listen),), {
        "voice_last_transcript": {
            "p": "sensor", "name": "Last transcript", "icon": "mdi:microphone-message",
            "stat_t": f"~/{LAST.pattern}", "json_attr_t": f"~/{LAST_ATTRIBUTES.pattern}",
        }})


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

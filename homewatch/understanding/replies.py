"""Reply text and the `voice/reply` message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homewatch.core.redact import redact
from homewatch.understanding.alarm import AlarmResult

NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten")
PLURALS = {"person": "people", "bus": "buses", "package": "packages"}


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer: the `voice/reply` payload, and what the TTS command speaks."""

    id: str
    question: str
    text: str
    intent: str
    object: str | None
    camera: str | None
    answer: bool | None
    confidence: float
    count: int | None
    ts: float
    # The recognizer's (with its best hypotheses: the share that agree; None: typed)
    heard_confidence: float | None = None
    model_confidence: float | None = None  # the model's, for the intent
    confirmation: str | None = None  # asked | confirmed | cancelled | expired
    details: Mapping[str, Any] | None = None  # whole-home answers: per camera, events …

    def to_json(self) -> dict[str, Any]:
        extra = {} if self.details is None else {"details": self.details}
        return {"id": self.id, "question": redact(self.question), "text": self.text,
                "intent": self.intent, "object": self.object, "camera": self.camera,
                "answer": self.answer, "confidence": round(self.confidence, 3),
                "heard_confidence": _rounded(self.heard_confidence),
                "model_confidence": _rounded(self.model_confidence),
                "confirmation": self.confirmation, "count": self.count, "ts": self.ts,
                "event_type": self.intent,  # Home Assistant's event entity reads this key
                **extra}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def number(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def noun(label: str, n: int) -> str:
    return label if n == 1 else PLURALS.get(label, f"{label}s")


def counted(label: str, n: int) -> str:
    """'one person', 'two people', 'a dog' is avoided: counts are always spoken."""
    return f"{number(n)} {noun(label, n)}"


def join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    n = round(seconds)
    return "just now" if n == 0 else f"{n} second{'s' if n != 1 else ''} ago"


def where(place: str | None) -> str:
    """ " at the front door", " in the kitchen", or nothing."""
    return f" {at(place)}" if place else ""


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def alarm_text(result: AlarmResult, intent: str) -> str:
    if result.ok:
        return "Alarm disarmed." if result.state == "disarmed" else \
            f"Alarm {result.state.replace('_', ' ')}."
    verb = "disarm" if intent == "disarm" else "arm"
    reasons = {
        "no_code": f"I need the alarm code to {verb}.",
        "wrong_code": "That code is wrong.",
        "locked": f"Too many wrong codes; try again in {round(result.retry_in)} seconds.",
        "not_configured": f"No alarm code is configured, so I can't {verb} by voice.",
    }
    return reasons.get(result.reason, "Refused.")


MAX_PLACES = 3  # more places than this are "anywhere I can see"
AT_WORDS = frozenset({"door", "gate", "entrance", "porch", "doorstep", "window", "street",
                      "road", "desk", "front", "back", "side"})


def at(place: str) -> str:
    """ "at the front door", "in the back yard"."""
    last = place.rsplit(maxsplit=1)[-1] if place else ""
    return f"{'at' if last in AT_WORDS else 'in'} the {place}"


def at_places(places: Sequence[str], conj: str = "or") -> str:
    """Where, for up to `MAX_PLACES` places; more are "anywhere I can see"."""
    if not places or len(places) > MAX_PLACES:
        return "anywhere I can see"
    parts = [at(p) for p in places]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} {conj} {parts[-1]}"


def clock(ts: float, now: float) -> str:
    """A past time as spoken: "at 14:05", "yesterday at 14:05", "on Monday at 14:05"."""
    when, today = datetime.fromtimestamp(ts).astimezone(), datetime.fromtimestamp(now).astimezone()
    hm = when.strftime("%H:%M")
    days = (today.date() - when.date()).days
    if days <= 0:
        return f"at {hm}"
    if days == 1:
        return f"yesterday at {hm}"
    if days < 7:
        return f"on {when.strftime('%A')} at {hm}"
    return f"on {when.day} {when.strftime('%B')} at {hm}"

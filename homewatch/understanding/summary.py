""""What happened today / while I was out / since nine": the event history, told briefly.

At most three spoken sentences — what was seen where (event counts per label and place), the
first and last times, and what stands out (a person at night, something while the alarm was
armed, a watch that fired) — and the full list in the reply's `details`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homewatch.language.periods import Period
from homewatch.language.words import a_noun
from homewatch.understanding.alarm import ArmedSpan
from homewatch.understanding.dialog import Answer
from homewatch.understanding.replies import at, at_places, capitalize, clock, counted, join
from homewatch.understanding.scope import Scope
from homewatch.understanding.watches import Watch

NIGHT = (22, 6)  # local hours: a person seen from 22:00 to 06:00 stands out
SPOKEN_GROUPS = 3  # (label, place) groups named aloud; the rest are "N more"
SPOKEN_NOTABLE = 2


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    camera: str
    place: str
    count: int
    first: float
    last: float

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "camera": self.camera, "place": self.place,
                "count": self.count, "first": self.first, "last": self.last}


def at_night(ts: float) -> bool:
    hour = datetime.fromtimestamp(ts).astimezone().hour
    return hour >= NIGHT[0] or hour < NIGHT[1]


def armed_at(ts: float, spans: Sequence[ArmedSpan]) -> ArmedSpan | None:
    return next((s for s in spans if s.start <= ts and (s.end is None or ts <= s.end)), None)


def groups_of(events: Sequence[dict[str, Any]], place_of: Callable[[str], str]) -> list[Group]:
    table: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for event in events:
        table.setdefault((str(event["label"]), str(event["camera"])), []).append(event)
    out = [Group(label, camera, place_of(camera), len(rows),
                 min(float(r["start"]) for r in rows), max(float(r["last_seen"]) for r in rows))
           for (label, camera), rows in table.items()]
    return sorted(out, key=lambda g: (-g.count, g.first))


def notables(events: Sequence[dict[str, Any]], period: Period, scope: Scope, *,
             spans: Sequence[ArmedSpan], watches: Sequence[Watch],
             place_of: Callable[[str], str]) -> list[dict[str, Any]]:
    """What stands out, oldest first."""
    found: list[dict[str, Any]] = []
    for event in events:
        start, label, camera = float(event["start"]), str(event["label"]), str(event["camera"])
        where = f"{a_noun(label)} {at(place_of(camera))}"
        span = armed_at(start, spans)
        if span is not None:
            found.append({"kind": "armed", "ts": start, "camera": camera, "label": label,
                          "event": event["id"], "mode": span.mode,
                          "text": f"{where} while the alarm was armed"})
        elif label == "person" and at_night(start):
            found.append({"kind": "night", "ts": start, "camera": camera, "label": label,
                          "event": event["id"], "text": f"{where} at night"})
    for watch in watches:
        fired = watch.last_fired
        if fired is not None and period.start_ts <= fired <= period.end_ts \
                and watch.camera in scope.cameras:
            found.append({"kind": "watch", "ts": fired, "camera": watch.camera,
                          "label": watch.object, "watch": watch.id,
                          "text": f"the watch on the {place_of(watch.camera)} fired"})
    return sorted(found, key=lambda n: float(n["ts"]))


def summarize(events: Sequence[dict[str, Any]], period: Period, scope: Scope, *,
              place_of: Callable[[str], str], spans: Sequence[ArmedSpan],
              watches: Sequence[Watch], now: float, confidence: float) -> Answer:
    where = "" if scope.kind == "all" else \
        f" {at_places([place_of(c) for c in scope.cameras])}"
    groups = groups_of(events, place_of)
    notable = notables(events, period, scope, spans=spans, watches=watches, place_of=place_of)
    details = {"period": {"label": period.label, "start": period.start_ts,
                          "end": period.end_ts, "spoken": period.spoken},
               "scope": scope.to_json(), "totals": [g.to_json() for g in groups],
               "notable": notable,
               "events": [{**e, "place": place_of(str(e["camera"]))} for e in events]}
    cameras = scope.cameras if scope.kind == "named" else tuple(
        dict.fromkeys(g.camera for g in groups))
    if not events:
        text = f"Nothing seen{where} {period.spoken}."
        if notable:
            text += f" {capitalize(join([n['text'] for n in notable[:SPOKEN_NOTABLE]]))}."
        return Answer(text, False, 0, confidence, details, cameras)
    spoken = [f"{counted(g.label, g.count)} {at(g.place)}" for g in groups[:SPOKEN_GROUPS]]
    rest = sum(g.count for g in groups[SPOKEN_GROUPS:])
    if rest:
        spoken.append(f"{rest} more")
    sentences = [f"{capitalize(period.spoken)} I saw {join(spoken)}."]
    first = min(float(e["start"]) for e in events)
    last = max(float(e["last_seen"]) for e in events)
    if len(events) == 1:
        sentences.append(f"That was {clock(first, now)}.")
    else:
        sentences.append(f"First {clock(first, now)}, last {clock(last, now)}.")
    if notable:
        told = [n["text"] for n in notable[:SPOKEN_NOTABLE]]
        more = len(notable) - len(told)
        tail = f", and {more} more worth a look" if more else ""
        sentences.append(f"Worth knowing: {join(told)}{tail}.")
    return Answer(" ".join(sentences), True, len(events), confidence, details, cameras)

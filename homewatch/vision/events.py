"""Object events: `new` once an object passes the filter, `update` on change, `end` when gone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from homewatch.vision.filters import ObjectFilter
from homewatch.vision.sources import Image
from homewatch.vision.tracker import Track, Tracker

EventType = Literal["new", "update", "end"]


@dataclass(frozen=True, slots=True)
class ObjectEvent:
    type: EventType
    id: str
    camera: str
    label: str
    score: float
    top_score: float
    box: tuple[int, int, int, int]
    zones: tuple[str, ...]
    start: float
    end: float | None
    snapshot: str | None
    stationary: bool
    last_seen: float

    def payload(self) -> dict[str, Any]:
        """The JSON object published on `events` (design: MQTT API)."""
        return {"type": self.type, "id": self.id, "camera": self.camera, "label": self.label,
                "score": round(self.score, 3), "top_score": round(self.top_score, 3),
                "box": list(self.box), "zones": list(self.zones), "start": round(self.start, 3),
                "end": None if self.end is None else round(self.end, 3),
                "snapshot": self.snapshot, "stationary": self.stationary}


@dataclass
class BestFrame:
    score: float
    image: Image
    track_box: tuple[int, int, int, int]
    rendered: bool = False  # already sent as this event's snapshot


class EventBuilder:
    """Turns track changes of the event labels into events; keeps each event's best frame."""

    def __init__(self, camera: str, labels: frozenset[str], tracker: Tracker, *,
                 object_filter: ObjectFilter, min_hits: int, update_interval_s: float) -> None:
        self.camera = camera
        self.labels = labels
        self.tracker = tracker
        self.filter = object_filter
        self.min_hits = min_hits
        self.update_interval_s = update_interval_s
        self.best: dict[int, BestFrame] = {}

    def event_id(self, track: Track) -> str:
        return f"{self.camera}-{int(track.first_seen * 1000):x}-{track.id}"

    def on_touched(self, tracks: list[Track], image: Image) -> list[ObjectEvent]:
        events = []
        for track in tracks:
            if track.label not in self.labels:
                continue
            self._keep_best(track, image)
            event = self._check(track)
            if event is not None:
                events.append(event)
        return events

    def on_ended(self, tracks: list[Track]) -> list[ObjectEvent]:
        events = []
        for track in tracks:
            if track.confirmed and track.label in self.labels:
                events.append(self._event("end", track, end=track.last_seen))
        return events

    def forget(self, track: Track) -> None:
        self.best.pop(track.id, None)

    def _keep_best(self, track: Track, image: Image) -> None:
        best = self.best.get(track.id)
        if best is None or track.score > best.score:
            box = (track.box.x1, track.box.y1, track.box.x2, track.box.y2)
            self.best[track.id] = BestFrame(track.score, image, box)

    def _check(self, track: Track) -> ObjectEvent | None:
        if not track.confirmed:
            if track.hits >= self.min_hits and self.filter.confirmed(track.label, track.scores):
                track.confirmed = True
                track.extra["reported"] = self._reported(track)
                return self._event("new", track)
            return None
        before = track.extra.get("reported")
        now = self._reported(track)
        stationary = self.tracker.stationary(track)
        due = track.last_seen - track.update_ts
        changed = now != before
        if changed or (not stationary and due >= self.update_interval_s):
            track.extra["reported"] = now
            return self._event("update", track)
        return None

    def _reported(self, track: Track) -> tuple[object, ...]:
        """What an update must report when it changes (a stationary object sends one update)."""
        return (track.zones, self.tracker.stationary(track), round(track.top_score, 2))

    def _event(self, kind: EventType, track: Track, end: float | None = None) -> ObjectEvent:
        track.update_ts = track.last_seen
        b = track.box
        return ObjectEvent(kind, self.event_id(track), self.camera, track.label, track.score,
                           track.top_score, (b.x1, b.y1, b.x2, b.y2), track.zones,
                           track.first_seen, end, f"{self.event_id(track)}.jpg",
                           self.tracker.stationary(track), track.last_seen)

"""Object events: `new` once an object passes the filter, `update` on change, `end` when gone.

The event layer owns everything about an event: whether its object is confirmed, what it last
reported, and its best frame. The tracker only follows boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from homewatch.vision.filters import ObjectFilter
from homewatch.vision.geometry import Box
from homewatch.vision.snapshot import SnapshotPacer
from homewatch.vision.sources import Image
from homewatch.vision.tracker import Track, Tracker

EventType = Literal["new", "update", "end"]


@dataclass(frozen=True, slots=True)
class BestFrame:
    """The frame on which an event's object scored highest, and its box there."""

    score: float
    image: Image
    box: Box


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
    snapshot: str | None  # the snapshot topic (relative) once it showed this event, else None
    stationary: bool
    last_seen: float

    def payload(self) -> dict[str, Any]:
        """The JSON object published on `events` (design: MQTT API)."""
        out = {"type": self.type, "id": self.id, "camera": self.camera, "label": self.label,
               "score": round(self.score, 3), "top_score": round(self.top_score, 3),
               "box": list(self.box), "zones": list(self.zones), "start": round(self.start, 3),
               "end": None if self.end is None else round(self.end, 3),
               "stationary": self.stationary}
        if self.snapshot is not None:
            out["snapshot"] = self.snapshot
        return out


@dataclass(frozen=True, slots=True)
class EventFrame:
    """A best frame to publish as an event's snapshot."""

    event_id: str
    label: str
    frame: BestFrame


@dataclass
class _Open:
    """What the event layer knows about one tracked object of an event label."""

    id: str
    label: str
    start: float
    confirmed: bool = False
    reported: tuple[object, ...] = ()
    update_ts: float = 0.0  # when the last event about this object was sent
    best: BestFrame | None = None
    sent_score: float | None = None  # score of the best frame last published as a snapshot


@dataclass
class FrameEvents:
    events: list[ObjectEvent] = field(default_factory=list)
    snapshots: list[EventFrame] = field(default_factory=list)


class EventBuilder:
    """Turns track changes of the event labels into events and picks the snapshots to send."""

    def __init__(self, camera: str, labels: frozenset[str], tracker: Tracker, *,
                 object_filter: ObjectFilter, min_hits: int, update_interval_s: float,
                 pacer: SnapshotPacer) -> None:
        self.camera = camera
        self.labels = labels
        self.tracker = tracker
        self.filter = object_filter
        self.min_hits = min_hits
        self.update_interval_s = update_interval_s
        self.snapshot_topic = f"{camera}/snapshot"
        self.pacer = pacer
        self._open: dict[int, _Open] = {}

    def confirmed(self, track: Track) -> bool:
        state = self._open.get(track.id)
        return state is not None and state.confirmed

    def update(self, touched: list[Track], ended: list[Track], image: Image,
               ts: float) -> FrameEvents:
        """One detector run at `ts`: touched tracks (with their frame) and tracks that ended."""
        due: list[tuple[EventType, Track, _Open]] = []
        for track in touched:
            if track.label in self.labels:
                state = self._state(track)
                self._keep_best(track, state, image)
                kind = self._check(track, state)
                if kind is not None:
                    due.append((kind, track, state))
        return self._emit(due + self._ends(ended), ts)

    def end_all(self, ended: list[Track], ts: float) -> FrameEvents:
        """Tracks dropped without a detector run (end of a file, camera lost, detection off)."""
        return self._emit(self._ends(ended), ts)

    def _ends(self, ended: list[Track]) -> list[tuple[EventType, Track, _Open]]:
        due: list[tuple[EventType, Track, _Open]] = []
        for track in ended:
            state = self._open.pop(track.id, None)
            if state is not None and state.confirmed:
                due.append(("end", track, state))
        return due

    def _state(self, track: Track) -> _Open:
        state = self._open.get(track.id)
        if state is None:
            state = _Open(f"{self.camera}-{int(track.first_seen * 1000):x}-{track.id}",
                          track.label, track.first_seen)
            self._open[track.id] = state
        return state

    def _keep_best(self, track: Track, state: _Open, image: Image) -> None:
        if state.best is None or track.score > state.best.score:
            state.best = BestFrame(track.score, image, track.box)

    def _check(self, track: Track, state: _Open) -> EventType | None:
        if not state.confirmed:
            if track.hits >= self.min_hits and self.filter.confirmed(track.label, track.scores):
                state.confirmed = True
                state.reported = self._reported(track)
                return "new"
            return None
        now = self._reported(track)
        due = track.last_seen - state.update_ts
        if now != state.reported or (not self.tracker.stationary(track)
                                     and due >= self.update_interval_s):
            state.reported = now
            return "update"
        return None

    def _reported(self, track: Track) -> tuple[object, ...]:
        """What an update must report when it changes (a stationary object sends one update)."""
        return (track.zones, self.tracker.stationary(track), round(track.top_score, 2))

    def _emit(self, due: list[tuple[EventType, Track, _Open]], ts: float) -> FrameEvents:
        out = FrameEvents()
        ending = [state for kind, _, state in due if kind == "end"]
        chosen = self._snapshot_due([*self._open.values(), *ending], ts)
        if chosen is not None and chosen.best is not None:
            chosen.sent_score = chosen.best.score
            out.snapshots.append(EventFrame(chosen.id, chosen.label, chosen.best))
        out.events = [self._event(kind, track, state) for kind, track, state in due]
        return out

    def _snapshot_due(self, states: list[_Open], ts: float) -> _Open | None:
        """The event whose best frame to publish now, if the pacer allows one: an event never
        shown first (the oldest, then the best scoring), else the one whose best frame improved
        the most."""
        if not self.pacer.ready(ts):
            return None
        shown = [s for s in states if s.confirmed and s.best is not None]
        unseen = [s for s in shown if s.sent_score is None]
        better = [s for s in shown if s.sent_score is not None
                  and self.pacer.better(_best_score(s), s.sent_score)]
        chosen = (min(unseen, key=lambda s: (s.start, -_best_score(s))) if unseen else
                  max(better, key=lambda s: _best_score(s) - (s.sent_score or 0.0), default=None))
        if chosen is not None:
            self.pacer.sent(ts)
        return chosen

    def _event(self, kind: EventType, track: Track, state: _Open) -> ObjectEvent:
        state.update_ts = track.last_seen
        b = track.box
        return ObjectEvent(kind, state.id, self.camera, track.label, track.score,
                           track.top_score, (b.x1, b.y1, b.x2, b.y2), track.zones,
                           track.first_seen, track.last_seen if kind == "end" else None,
                           self.snapshot_topic if state.sent_score is not None else None,
                           self.tracker.stationary(track), track.last_seen)


def _best_score(state: _Open) -> float:
    return state.best.score if state.best is not None else 0.0

"""Tracking: detections matched to objects across frames by box overlap (IoU)."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass

import numpy as np

from homewatch.vision.config import TrackerConfig
from homewatch.vision.detectors import Detection
from homewatch.vision.geometry import Box


@dataclass(eq=False)
class Track:
    id: int
    label: str
    box: Box
    first_seen: float
    last_seen: float
    scores: deque[float]
    hits: int = 1
    misses: int = 0
    still_since: float = 0.0  # when the object last moved
    anchor: Box | None = None  # where the object stood when it stopped moving
    velocity: tuple[float, float] = (0.0, 0.0)  # pixels per second of the box centre
    box_ts: float = 0.0  # when `box` was measured (a detection, or moved between detections)
    detected: Box | None = None  # the last detected box
    top_score: float = 0.0
    zones: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        return self.scores[-1]

    def predicted(self, ts: float) -> Box:
        """Where the box should be at `ts` if the object kept its speed."""
        dt = ts - self.box_ts
        dx, dy = int(self.velocity[0] * dt), int(self.velocity[1] * dt)
        b = self.box
        return Box(b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy)


class Tracker:
    """Greedy IoU matching per label, with min hits to confirm and max misses to end.

    A track only counts a miss when the detector looked where it is (`searched`), so
    objects outside a motion crop, or not re-checked because nothing moved, stay alive.
    Stationary tracks tolerate many more misses (an object standing still in a dim corner
    flickers in and out), so they do not end and come back as a new alert.
    """

    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        self.tracks: list[Track] = []
        self._ids = itertools.count(1)

    def stationary(self, track: Track) -> bool:
        return track.last_seen - track.still_since >= self.config.stationary_after_s

    def update(self, detections: list[Detection], searched: Box | None,
               ts: float) -> tuple[list[Track], list[Track]]:
        """Feed one detector run; returns (updated or new tracks, ended tracks)."""
        unmatched = set(range(len(detections)))
        touched: list[Track] = []
        predicted = [t.predicted(ts) for t in self.tracks]
        pairs = sorted(((_affinity(predicted[ti], d.box, self.config.iou, t.misses), ti, di)
                        for ti, t in enumerate(self.tracks)
                        for di, d in enumerate(detections) if t.label == d.label),
                       reverse=True)
        used: set[int] = set()
        for affinity, ti, di in pairs:
            if affinity <= 0 or ti in used or di not in unmatched:
                continue
            used.add(ti)
            unmatched.discard(di)
            self._hit(self.tracks[ti], detections[di], ts)
            touched.append(self.tracks[ti])
        ended = self._age(used, searched)
        for di in sorted(unmatched):
            det = detections[di]
            track = Track(next(self._ids), det.label, det.box, ts, ts,
                          deque([det.score], maxlen=self.config.score_history),
                          still_since=ts, anchor=det.box, top_score=det.score, box_ts=ts,
                          detected=det.box)
            self.tracks.append(track)
            touched.append(track)
        return touched, ended

    def _hit(self, track: Track, det: Detection, ts: float) -> None:
        if track.anchor is None or track.anchor.iou(det.box) < 0.8:
            track.anchor, track.still_since = det.box, ts
        dt = ts - track.last_seen
        if dt > 0:
            previous = track.detected if track.detected is not None else track.box
            (ox, oy), (nx, ny) = previous.center, det.box.center
            vx, vy = (nx - ox) / dt, (ny - oy) / dt
            # Smoothed: SSD boxes jitter by a few pixels between frames.
            track.velocity = ((track.velocity[0] + vx) / 2, (track.velocity[1] + vy) / 2)
        track.box = track.detected = det.box
        track.box_ts = track.last_seen = ts
        track.scores.append(det.score)
        track.top_score = max(track.top_score, det.score)
        track.hits += 1
        track.misses = 0

    def _age(self, used: set[int], searched: Box | None) -> list[Track]:
        ended: list[Track] = []
        alive: list[Track] = []
        for index, track in enumerate(self.tracks):
            if index not in used and searched is not None and _inside(track.box, searched):
                track.misses += 1
            limit = (self.config.stationary_max_misses if self.stationary(track)
                     else self.config.max_misses)
            (ended if track.misses > limit else alive).append(track)
        self.tracks = alive
        return ended

    def drop_all(self) -> list[Track]:
        ended, self.tracks = self.tracks, []
        return ended


def _affinity(a: Box, b: Box, min_iou: float, misses: int) -> float:
    """How well detection `b` continues the track predicted at `a`; ≤ 0 means not at all.

    Overlap first; small objects moving fast overlap little between analysed frames, so a
    centre within half the box size of the prediction still matches (ranked below
    overlaps), and the radius grows with every run the object was missed.
    """
    iou = a.iou(b)
    if iou >= min_iou:
        return 1.0 + iou
    (ax, ay), (bx, by) = a.center, b.center
    size = max(a.width, a.height, b.width, b.height, 1)
    ratio = (a.area / b.area) if b.area else 0.0
    if not 0.5 <= ratio <= 2.0:
        return 0.0
    radius = 0.5 * size * (1 + misses)
    return 1.0 - float(np.hypot(ax - bx, ay - by)) / radius


def _inside(box: Box, area: Box) -> bool:
    x, y = box.center
    return area.contains_point(x, y)

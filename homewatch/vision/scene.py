"""Rolling per-camera scene state: the detector evidence the fusion model reasons over."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from homewatch.core.messages import SCENE_CLASSES, ClassStats, SceneSnapshot


@dataclass(frozen=True, slots=True)
class Observation:
    ts: float
    scores: Mapping[str, float]  # label -> best score in view (tracked or flickering)
    counts: Mapping[str, int]  # label -> confirmed objects
    motion: bool
    brightness: float


class SceneState:
    """The last `window_s` seconds of one camera; written by the analysis thread, read by any."""

    def __init__(self, camera: str, window_s: float,
                 tracked: frozenset[str] | None = None) -> None:
        self.camera = camera
        self.window_s = window_s
        self.tracked = tracked
        self._items: deque[Observation] = deque()
        self._last_seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, obs: Observation) -> None:
        with self._lock:
            self._items.append(obs)
            for label in obs.scores:
                self._last_seen[label] = obs.ts
            while self._items and self._items[0].ts < obs.ts - self.window_s:
                self._items.popleft()

    def snapshot(self, now: float | None = None) -> SceneSnapshot | None:
        with self._lock:
            items = list(self._items)
            last_seen = dict(self._last_seen)
        if not items:
            return None
        n = len(items)
        classes = {label: _class_stats(label, items) for label in SCENE_CLASSES}
        return SceneSnapshot(camera=self.camera, ts=items[-1].ts if now is None else now,
                             window_s=self.window_s, classes=classes,
                             brightness=sum(o.brightness for o in items) / n,
                             motion=sum(o.motion for o in items) / n, last_seen=last_seen,
                             tracked=self.tracked)


def _class_stats(label: str, items: list[Observation]) -> ClassStats:
    scores = [o.scores[label] for o in items if label in o.scores]
    if not scores:
        return ClassStats()
    return ClassStats(max_score=max(scores), mean_score=sum(scores) / len(scores),
                      presence=len(scores) / len(items), count=items[-1].counts.get(label, 0))


class SceneRegistry:
    """Every camera's scene state behind the `SceneProvider` interface."""

    def __init__(self) -> None:
        self._states: dict[str, SceneState] = {}

    def register(self, state: SceneState) -> None:
        self._states[state.camera] = state

    def cameras(self) -> list[str]:
        return list(self._states)

    def snapshot(self, camera: str) -> SceneSnapshot | None:
        state = self._states.get(camera)
        return None if state is None else state.snapshot()

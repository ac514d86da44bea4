"""False-positive filtering: per-detection limits and per-object confirmation."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence

from homewatch.vision.config import FilterConfig
from homewatch.vision.detectors import Detection


class ObjectFilter:
    """Per-label filters: a detection must pass `min_score` and the area limits; an object is
    confirmed only when the median of its recent scores reaches `threshold`, so a detector
    that flickers a false object for a frame or two never raises an event."""

    def __init__(self, labels: Iterable[str], filters: Mapping[str, FilterConfig]) -> None:
        self.labels = frozenset(labels)
        self._filters = dict(filters)
        self._default = FilterConfig()

    def config(self, label: str) -> FilterConfig:
        return self._filters.get(label, self._default)

    def accept(self, det: Detection, frame_area: int) -> bool:
        if det.label not in self.labels:
            return False
        cfg = self.config(det.label)
        area = det.box.area / frame_area if frame_area else 0.0
        return det.score >= cfg.min_score and cfg.min_area <= area <= cfg.max_area

    def select(self, detections: Iterable[Detection], frame_area: int) -> list[Detection]:
        return [d for d in detections if self.accept(d, frame_area)]

    def confirmed(self, label: str, scores: Sequence[float]) -> bool:
        return bool(scores) and statistics.median(scores) >= self.config(label).threshold

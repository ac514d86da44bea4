"""Snapshots: JPEG frames with the objects' boxes drawn."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2

from homewatch.vision.config import SnapshotConfig
from homewatch.vision.geometry import Box
from homewatch.vision.sources import Image

HIGHLIGHT = (0, 0, 255)
OTHER = (0, 200, 0)


class SnapshotPacer:
    """How often a camera's retained snapshot may change: at most once per `min_interval_s`
    (event starts, a best frame better by `margin`, and requests all count)."""

    def __init__(self, config: SnapshotConfig) -> None:
        self.min_interval_s = config.min_interval_s
        self.margin = config.improve_margin
        self._last: float | None = None

    def ready(self, ts: float) -> bool:
        return self._last is None or ts - self._last >= self.min_interval_s or ts < self._last

    def better(self, score: float, shown: float) -> bool:
        return score >= shown + self.margin

    def sent(self, ts: float) -> None:
        self._last = ts


@dataclass(frozen=True, slots=True)
class Mark:
    label: str
    score: float
    box: Box
    highlight: bool = False


def render(image: Image, marks: Iterable[Mark], config: SnapshotConfig) -> bytes:
    """Draw the marks on a copy of `image`, scale it and encode it as JPEG."""
    canvas = image.copy()
    thickness = max(1, image.shape[0] // 240)
    for mark in marks:
        color = HIGHLIGHT if mark.highlight else OTHER
        b = mark.box
        cv2.rectangle(canvas, (b.x1, b.y1), (b.x2 - 1, b.y2 - 1), color, thickness)
        text = f"{mark.label} {mark.score:.0%}"
        cv2.putText(canvas, text, (b.x1 + 2, max(12, b.y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4 * thickness, color, thickness, cv2.LINE_AA)
    if config.height and config.height != canvas.shape[0]:
        width = round(canvas.shape[1] * config.height / canvas.shape[0])
        canvas = cv2.resize(canvas, (width, config.height), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, config.quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return jpeg.tobytes()

"""Boxes and polygons in pixel coordinates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box in pixels: x1, y1 inclusive; x2, y2 exclusive."""

    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def width(self) -> int:
        return max(0, self.x2 - self.x1)

    @property
    def height(self) -> int:
        return max(0, self.y2 - self.y1)

    @property
    def area(self) -> int:
        return self.width * self.height

    @property
    def center(self) -> tuple[float, float]:
        return (self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2

    @property
    def bottom_center(self) -> tuple[float, float]:
        return (self.x1 + self.x2) / 2, float(self.y2)

    def iou(self, other: Box) -> float:
        # Inlined (no intermediate Box): the tracker calls this for every track × detection.
        iw = min(self.x2, other.x2) - max(self.x1, other.x1)
        ih = min(self.y2, other.y2) - max(self.y1, other.y1)
        inter = iw * ih if iw > 0 and ih > 0 else 0
        union = self.area + other.area - inter
        return inter / union if union else 0.0

    def intersect(self, other: Box) -> Box:
        return Box(max(self.x1, other.x1), max(self.y1, other.y1),
                   min(self.x2, other.x2), min(self.y2, other.y2))

    def contains_point(self, x: float, y: float) -> bool:
        return self.x1 <= x < self.x2 and self.y1 <= y < self.y2


def union(boxes: Iterable[Box]) -> Box | None:
    items = list(boxes)
    if not items:
        return None
    return Box(min(b.x1 for b in items), min(b.y1 for b in items),
               max(b.x2 for b in items), max(b.y2 for b in items))


def expand_square(box: Box, min_side: int, frame_w: int, frame_h: int, pad: float = 0.1) -> Box:
    """Grow `box` to a padded square of at least `min_side`, shifted to stay in the frame."""
    side = max(int(max(box.width, box.height) * (1 + 2 * pad)), min_side)
    w, h = min(side, frame_w), min(side, frame_h)
    cx, cy = box.center
    x1 = int(min(max(cx - w / 2, 0), frame_w - w))
    y1 = int(min(max(cy - h / 2, 0), frame_h - h))
    return Box(x1, y1, x1 + w, y1 + h)

"""Zones: named polygons; an object is in a zone when its box's bottom-centre is inside."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from homewatch.vision.config import ZoneConfig
from homewatch.vision.geometry import Box


class Zones:
    def __init__(self, zones: Sequence[ZoneConfig]) -> None:
        self._zones = tuple(zones)
        self._cache: tuple[tuple[int, int], list[tuple[ZoneConfig, np.ndarray]]] | None = None

    def _polygons(self, width: int, height: int) -> list[tuple[ZoneConfig, np.ndarray]]:
        if self._cache is None or self._cache[0] != (width, height):
            polys = [(z, np.array([[x * width, y * height] for x, y in z.polygon], np.float32))
                     for z in self._zones]
            self._cache = ((width, height), polys)
        return self._cache[1]

    def of(self, label: str, box: Box, width: int, height: int) -> tuple[str, ...]:
        """Names of the zones (that apply to `label`) holding the box's bottom-centre."""
        x, y = box.bottom_center
        y = min(y, height - 1.0)  # a box touching the bottom edge still stands in the frame
        return tuple(zone.name for zone, poly in self._polygons(width, height)
                     if (not zone.objects or label in zone.objects)
                     and cv2.pointPolygonTest(poly, (x, y), False) >= 0)

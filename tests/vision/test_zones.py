"""Zones are tested at the box's bottom-centre (where the object stands)."""

from __future__ import annotations

from homewatch.vision.config import ZoneConfig
from homewatch.vision.geometry import Box
from homewatch.vision.zones import Zones

DRIVEWAY = ZoneConfig(name="driveway", polygon=((0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (0.0, 1.0)))
PORCH = ZoneConfig(name="porch", polygon=((0.5, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 1.0)),
                   objects=("person",))


def test_bottom_centre_decides() -> None:
    zones = Zones([DRIVEWAY, PORCH])
    # Mostly above the driveway, but standing in it.
    assert zones.of("car", Box(100, 10, 200, 300), 640, 480) == ("driveway",)
    # Box overlapping the driveway, but standing right of it.
    assert zones.of("car", Box(280, 300, 400, 470), 640, 480) == ()


def test_zone_objects_filter_and_bottom_edge() -> None:
    zones = Zones([DRIVEWAY, PORCH])
    assert zones.of("person", Box(400, 100, 500, 480), 640, 480) == ("porch",)
    assert zones.of("car", Box(400, 100, 500, 480), 640, 480) == ()

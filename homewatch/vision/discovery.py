"""Home Assistant discovery components for one camera.

Entity keys (and so unique ids and entity ids) are built from the camera id and never change
with its display name; the names Home Assistant shows are built from the display name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homewatch.vision.config import CameraConfig


def camera_entities(camera: CameraConfig, labels: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Discovery components keyed by a stable entity key (topics relative to `~`)."""
    cam, title = camera.name, camera.title
    base = f"~/{cam}"
    entities: dict[str, dict[str, Any]] = {
        f"{cam}_motion": {"p": "binary_sensor", "name": f"{title} motion",
                          "device_class": "motion", "stat_t": f"{base}/motion"},
        f"{cam}_snapshot": {"p": "camera", "name": f"{title} snapshot",
                            "t": f"{base}/snapshot"},
        f"{cam}_detect": {"p": "switch", "name": f"{title} detect", "icon": "mdi:cctv",
                          "stat_t": f"{base}/detect", "cmd_t": f"{base}/detect/set"},
        f"{cam}_take_snapshot": {"p": "button", "name": f"{title} take snapshot",
                                 "cmd_t": f"{base}/snapshot/take"},
        f"{cam}_status": {"p": "binary_sensor", "name": f"{title} camera",
                          "device_class": "connectivity", "stat_t": f"{base}/status",
                          "pl_on": "online", "pl_off": "offline",
                          "entity_category": "diagnostic"},
    }
    for label in labels:
        entities[f"{cam}_{label}_occupancy"] = {
            "p": "binary_sensor", "name": f"{title} {label}",
            "device_class": "occupancy", "stat_t": f"{base}/{label}",
            "val_tpl": "{{ 'ON' if value | int(0) > 0 else 'OFF' }}"}
        entities[f"{cam}_{label}_count"] = {
            "p": "sensor", "name": f"{title} {label} count", "stat_t": f"{base}/{label}",
            "state_class": "measurement", "unit_of_measurement": label}
    return entities

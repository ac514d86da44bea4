"""Home Assistant discovery components for one camera."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def camera_entities(camera: str, labels: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Discovery components keyed by a stable entity key (topics relative to `~`)."""
    base = f"~/{camera}"
    entities: dict[str, dict[str, Any]] = {
        f"{camera}_motion": {"p": "binary_sensor", "name": f"{camera} motion",
                             "device_class": "motion", "stat_t": f"{base}/motion"},
        f"{camera}_snapshot": {"p": "camera", "name": f"{camera} snapshot",
                               "t": f"{base}/snapshot"},
        f"{camera}_detect": {"p": "switch", "name": f"{camera} detect", "icon": "mdi:cctv",
                             "stat_t": f"{base}/detect", "cmd_t": f"{base}/detect/set"},
        f"{camera}_take_snapshot": {"p": "button", "name": f"{camera} take snapshot",
                                    "cmd_t": f"{base}/snapshot/take"},
        f"{camera}_status": {"p": "binary_sensor", "name": f"{camera} camera",
                             "device_class": "connectivity", "stat_t": f"{base}/status",
                             "pl_on": "online", "pl_off": "offline",
                             "entity_category": "diagnostic"},
    }
    for label in labels:
        entities[f"{camera}_{label}_occupancy"] = {
            "p": "binary_sensor", "name": f"{camera} {label} occupancy",
            "device_class": "occupancy", "stat_t": f"{base}/{label}",
            "val_tpl": "{{ 'ON' if value | int(0) > 0 else 'OFF' }}"}
        entities[f"{camera}_{label}_count"] = {
            "p": "sensor", "name": f"{camera} {label} count", "stat_t": f"{base}/{label}",
            "state_class": "measurement", "unit_of_measurement": label}
    return entities

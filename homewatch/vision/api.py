"""The vision MQTT API: events, per-camera state, the camera commands, the camera entities.

Entity keys (and so unique ids and entity ids) are built from the camera id and never change
with its display name; the names Home Assistant shows are built from the display name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from homewatch.core.api import Api, Declaration, Json, Route, command, published
from homewatch.core.commands import Command, CommandRejected
from homewatch.vision.config import CameraConfig

EVENTS = published("events", "JSON `{type: new|update|end, id, camera, label, score, "
                   "top_score, box, zones, start, end, stationary}`")
COUNT = published("<camera>/<label>", "confirmed count", retained=True)
MOTION = published("<camera>/motion", "`ON`/`OFF`", retained=True)
DETECT = published("<camera>/detect", "`ON`/`OFF`", retained=True)
STATUS = published("<camera>/status", "`online`/`offline`", retained=True)
SNAPSHOT = published("<camera>/snapshot", "JPEG bytes, boxes drawn (best frame of the latest "
                     "event)", retained=True)
DETECT_SET = command("<camera>/detect/set", "`ON` / `OFF`")
SNAPSHOT_TAKE = command("<camera>/snapshot/take", "anything: publishes a fresh snapshot")
VISION = Declaration("vision", (EVENTS, COUNT, MOTION, DETECT, STATUS, SNAPSHOT, DETECT_SET,
                                SNAPSHOT_TAKE))


@dataclass(frozen=True, slots=True)
class DetectSet:
    camera: str
    on: bool


@dataclass(frozen=True, slots=True)
class SnapshotTake:
    camera: str


def known_camera(command: Command, cameras: Collection[str], action: str) -> str:
    camera = command.suffix.split("/", 1)[0]
    if camera not in cameras:
        raise CommandRejected("unknown_camera", f"no camera named {camera!r} for {action}")
    return camera


def parse_detect(command: Command, cameras: Collection[str]) -> DetectSet:
    camera = known_camera(command, cameras, "detect")
    value = command.payload.decode("utf-8", "replace").strip().upper()
    if value not in ("ON", "OFF"):
        raise CommandRejected("bad_payload", "detect/set expects ON or OFF")
    return DetectSet(camera, value == "ON")


def parse_snapshot(command: Command, cameras: Collection[str]) -> SnapshotTake:
    return SnapshotTake(known_camera(command, cameras, "snapshot"))


def vision_api(cameras: Sequence[tuple[CameraConfig, Iterable[str]]],
               set_detect: Callable[[DetectSet], Awaitable[None]],
               take_snapshot: Callable[[SnapshotTake], Awaitable[None]]) -> Api:
    """Cameras with the labels they track, bound to the service's command handlers."""
    names = frozenset(c.name for c, _ in cameras)
    components: dict[str, Json] = {}
    for camera, labels in cameras:
        components.update(camera_components(camera, labels))
    return Api(VISION, (Route(DETECT_SET, lambda c: parse_detect(c, names), set_detect),
                        Route(SNAPSHOT_TAKE, lambda c: parse_snapshot(c, names), take_snapshot)),
               components)


def camera_components(camera: CameraConfig, labels: Iterable[str]) -> dict[str, dict[str, Any]]:
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

"""Configuration of cameras and the detector."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from homewatch.core.configbase import Frozen
from homewatch.models.resolver import ModelResolver

Point = tuple[float, float]
Polygon = tuple[Point, ...]

DEFAULT_MODEL = "ssd_mobilenet_v1_coco_quant.tflite"
DEFAULT_LABELS = "coco_labels.txt"


def _check_polygon(polygon: Polygon) -> Polygon:
    if len(polygon) < 3:
        raise ValueError("a polygon needs at least 3 points")
    if any(not (0.0 <= v <= 1.0) for point in polygon for v in point):
        raise ValueError("polygon points are fractions of the frame (0..1)")
    return polygon


class MotionConfig(Frozen):
    enabled: bool = Field(default=True, description="Gate the detector on motion")
    frame_height: int = Field(default=100, ge=40, le=480,
                              description="Height of the downscaled luma frame motion runs on")
    threshold: int = Field(default=25, ge=1, le=255,
                           description="Luma difference (0..255) that counts as changed")
    contour_area: int = Field(default=10, ge=1,
                              description="Smallest changed blob, in downscaled pixels")
    alpha: float = Field(default=0.02, gt=0, le=1,
                         description="Weight of the newest frame in the running background")
    recalibrate_fraction: float = Field(
        default=0.6, gt=0, le=1,
        description="Changed fraction of the frame that resets the background (IR switch, lights)")
    off_delay_s: float = Field(default=2.0, ge=0, description="Motion stays ON this long")
    mask: tuple[Polygon, ...] = Field(default=(),
                                      description="Polygons (fractions 0..1) ignored for motion")

    @field_validator("mask")
    @classmethod
    def _polygons(cls, mask: tuple[Polygon, ...]) -> tuple[Polygon, ...]:
        return tuple(_check_polygon(p) for p in mask)


class FilterConfig(Frozen):
    min_score: float = Field(default=0.5, ge=0, le=1,
                             description="Per-frame score below which a detection is ignored")
    threshold: float = Field(default=0.6, ge=0, le=1,
                             description="Median of recent scores needed to confirm an object")
    min_area: float = Field(default=0.0005, ge=0, le=1,
                            description="Smallest box, as a fraction of the frame area")
    max_area: float = Field(default=0.8, gt=0, le=1,
                            description="Largest box, as a fraction of the frame area")


class ZoneConfig(Frozen):
    name: str = Field(pattern=r"^[a-z0-9_]+$", description="Zone name used in events")
    polygon: Polygon = Field(description="Corner points as fractions of the frame (x, y)")
    objects: tuple[str, ...] = Field(default=(), description="Labels this zone applies to; all "
                                     "if empty")

    @field_validator("polygon")
    @classmethod
    def _polygon(cls, polygon: Polygon) -> Polygon:
        return _check_polygon(polygon)


class CameraConfig(Frozen):
    name: str = Field(pattern=r"^[a-z0-9_]+$",
                      description="Unique id used in topics, e.g. front_door")
    display_name: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="Name shown in Home Assistant; default: the id with spaces, capitalised")
    source: str = Field(description="Device index, /dev/videoN, rtsp://, http:// or a video file")
    enabled: bool = True
    loop: bool = Field(default=False, description="Restart a video file at its end")
    realtime: bool = Field(default=True, description="Pace a video file at its own fps")
    width: int | None = Field(default=None, ge=16, description="Capture width to request")
    height: int | None = Field(default=None, ge=16, description="Capture height to request")
    fps: float | None = Field(default=None, gt=0, description="Capture fps to request")
    detect_fps: float = Field(default=5.0, gt=0, le=60, description="Frames analysed per second")
    detect: bool = Field(default=True, description="Run detection at start (switchable over MQTT)")
    track: tuple[str, ...] | None = Field(default=None,
                                          description="Labels to track; default vision.track")
    filters: dict[str, FilterConfig] = Field(default_factory=dict,
                                             description="Per-label filters over vision.filters")
    zones: tuple[ZoneConfig, ...] = ()
    motion: MotionConfig = MotionConfig()
    overlaps_with: tuple[str, ...] = Field(
        default=(), description="Cameras whose view overlaps this one's: whole-home counts "
        "take the largest count of overlapping cameras instead of adding them")

    @property
    def title(self) -> str:
        """The name people see: `display_name`, or `front_door` as "Front door"."""
        return self.display_name or self.name.replace("_", " ").capitalize()


class DetectorConfig(Frozen):
    kind: Literal["auto", "tflite", "hog"] = Field(
        default="auto", description="auto: the TFLite model when its file exists, else HOG")
    model: str = Field(default=DEFAULT_MODEL,
                       description="TFLite SSD file: a path, or a file name in models.dir")
    labels: str = Field(default=DEFAULT_LABELS,
                        description="Labels file (line i = class i): path or name in models.dir")
    num_threads: int = Field(default=2, ge=1, le=16)
    crops: bool = Field(default=False, description="Run the detector on the motion area when "
                        "it is clearly smaller than the frame (sharper small objects, same CPU)")
    crop_max_fraction: float = Field(default=0.5, gt=0, le=1,
                                     description="Above this area fraction, use the full frame")

class TrackerConfig(Frozen):
    iou: float = Field(default=0.2, gt=0, lt=1, description="Overlap needed to match a track")
    min_hits: int = Field(default=3, ge=1, description="Detections before an object is confirmed")
    max_misses: int = Field(default=5, ge=1,
                            description="Missed detector runs (where the object was looked for) "
                            "before it is gone")
    stationary_after_s: float = Field(default=10.0, gt=0,
                                      description="Seconds without moving before an object is "
                                      "stationary")
    stationary_max_misses: int = Field(default=25, ge=1,
                                       description="Misses tolerated for stationary objects")
    stationary_recheck_s: float = Field(default=10.0, gt=0,
                                        description="Re-check still objects this often")
    score_history: int = Field(default=10, ge=1, description="Recent scores kept per object")


class ScheduleConfig(Frozen):
    adaptive: bool = Field(default=True, description="Between detector runs, move tracks by "
                           "optical flow; run the detector only when the scene asks for it")
    floor_every: int = Field(default=3, ge=1, description="Run the detector at least every Nth "
                             "analysed frame while something moves")
    new_motion_px: int = Field(default=12, ge=1, description="Changed pixels (at the motion "
                               "gate's scale) outside every predicted box that count as new")
    disagreement: float = Field(default=0.0, ge=0, le=1, description="Changed fraction of a "
                                "moving track's box below which its prediction is doubted (0: "
                                "off; a lost optical flow is always a disagreement)")
    moving_px_s: float = Field(default=20.0, ge=0, description="Speed (pixels per second) above "
                               "which a track counts as moving")
    proximity_iou: float = Field(default=0.3, gt=0, le=1, description="Overlap of two tracks "
                                 "approaching each other that calls the detector (identity swaps)")
    max_misses: int = Field(default=3, ge=1, description="Missed detector runs before a track "
                            "is gone (replaces tracker.max_misses: runs are sparser)")
    flow_height: int = Field(default=144, ge=60, le=1080,
                             description="Height of the luma frame optical flow runs on")


class SnapshotConfig(Frozen):
    height: int | None = Field(default=None, ge=64, description="Scale snapshots to this height")
    quality: int = Field(default=80, ge=10, le=100, description="JPEG quality")
    min_interval_s: float = Field(default=10.0, ge=0, description="Least time between two "
                                  "snapshots of a camera (event starts, better frames, requests)")
    improve_margin: float = Field(default=0.1, ge=0, le=1, description="Score gain of an "
                                  "event's best frame that publishes it again")


class VisionConfig(Frozen):
    detector: DetectorConfig = DetectorConfig()
    track: tuple[str, ...] = Field(default=("person", "car", "dog", "cat"),
                                   description="Labels tracked and published")
    filters: dict[str, FilterConfig] = Field(default_factory=dict,
                                             description="Per-label filters; others use defaults")
    tracker: TrackerConfig = TrackerConfig()
    snapshots: SnapshotConfig = SnapshotConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    update_interval_s: float = Field(default=5.0, gt=0,
                                     description="Least time between updates of a moving object")
    scene_window_s: float = Field(default=10.0, gt=0,
                                  description="Seconds of scene state kept for questions")
    history_retention_days: float = Field(default=30.0, gt=0,
                                          description="Event history older than this is deleted")
    reconnect_min_s: float = Field(default=1.0, gt=0, description="First reopen delay")
    reconnect_max_s: float = Field(default=30.0, gt=0, description="Longest reopen delay")


@dataclass(frozen=True)
class VisionSetup:
    """What the vision subsystem is handed: its cameras, its settings, where models and state
    live."""

    cameras: tuple[CameraConfig, ...]
    settings: VisionConfig
    models: ModelResolver
    state_dir: Path

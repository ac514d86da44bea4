"""Offline analysis of a video or image file with the camera pipeline."""

from __future__ import annotations

import collections
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2

from homewatch.core.errors import HomewatchError
from homewatch.core.messages import SceneSnapshot
from homewatch.vision.config import CameraConfig, VisionSetup
from homewatch.vision.detectors import Detector, create_detector
from homewatch.vision.events import ObjectEvent
from homewatch.vision.pipeline import CameraPipeline, FrameResult
from homewatch.vision.sources import Frame, OpenCVSource, SourceError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
Progress = Callable[[int, int], None]  # (frames read, frames in the file or 0)


class MediaError(HomewatchError):
    """The media file cannot be read."""


@dataclass
class AnalysisResult:
    camera: str
    source: str
    detector: str = ""  # which detector actually ran, e.g. tflite:/path/model.tflite or hog
    frames_read: int = 0
    frames_analysed: int = 0
    detector_runs: int = 0
    crops: int = 0
    propagated: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    motion_frames: int = 0
    inference_ms: float = 0.0
    duration_s: float = 0.0
    events: list[ObjectEvent] = field(default_factory=list)
    snapshots: dict[str, bytes] = field(default_factory=dict)
    max_counts: dict[str, int] = field(default_factory=dict)
    scene: SceneSnapshot | None = None

    @property
    def skipped(self) -> int:
        """Analysed frames on which the detector did not run."""
        return self.frames_analysed - self.detector_runs

    def events_per_label(self) -> dict[str, int]:
        return dict(collections.Counter(e.label for e in self.events if e.type == "new"))

    def summary(self) -> dict[str, Any]:
        return {"camera": self.camera, "source": self.source, "detector": self.detector,
                "frames_read": self.frames_read,
                "frames_analysed": self.frames_analysed, "detector_runs": self.detector_runs,
                "skipped": self.skipped, "crops": self.crops, "propagated": self.propagated,
                "detect_reasons": self.reasons, "motion_frames": self.motion_frames,
                "inference_ms": round(self.inference_ms, 2),
                "duration_s": round(self.duration_s, 2),
                "events": self.events_per_label(), "max_counts": self.max_counts}


def media_camera(path: Path, setup: VisionSetup) -> CameraConfig:
    """The configured camera whose source is this file, else a default camera for it."""
    for camera in setup.cameras:
        if Path(camera.source) == path:
            return camera.model_copy(update={"realtime": False, "loop": False})
    return CameraConfig(name="video", source=str(path), realtime=False)


def analyze_media(path: Path, setup: VisionSetup, *, detector: Detector | None = None,
                  camera: CameraConfig | None = None,
                  progress: Progress | None = None) -> AnalysisResult:
    """Run the camera pipeline over a video (at the camera's detect fps) or one image."""
    if not path.is_file():
        raise MediaError(f"media file not found: {path}")
    cam = camera or media_camera(path, setup)
    det = detector or create_detector(setup.settings.detector, setup.models)
    pipeline = CameraPipeline(cam, setup.settings, det)
    result = AnalysisResult(cam.name, str(path), det.name)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        _analyze_image(path, pipeline, result)
    else:
        _analyze_video(path, cam, pipeline, result, progress)
    stats = pipeline.stats
    result.detector_runs, result.crops = stats.detector_runs, stats.crops
    result.propagated, result.reasons = stats.propagated, dict(stats.reasons)
    result.motion_frames, result.inference_ms = stats.motion_frames, stats.inference_ms
    result.scene = pipeline.scene.snapshot()
    return result


def _analyze_image(path: Path, pipeline: CameraPipeline, result: AnalysisResult) -> None:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise MediaError(f"cannot decode image: {path}")
    result.frames_read = 1
    pipeline.events.min_hits = 1  # one look is all there is: the score filter alone decides
    _collect(pipeline.process(Frame(image, 0.0, 0)), result)
    events, snapshots = pipeline.finish()
    result.events += events
    result.snapshots.update(snapshots)


def _analyze_video(path: Path, cam: CameraConfig, pipeline: CameraPipeline,
                   result: AnalysisResult, progress: Progress | None) -> None:
    source = OpenCVSource(str(path), file_clock=True)
    try:
        source.open()
    except SourceError as exc:
        raise MediaError(str(exc)) from None
    total = _frame_count(path)
    period = 1.0 / cam.detect_fps
    next_due = 0.0
    frame_s = 1.0 / (source.fps or 25.0)
    try:
        while True:
            ts = result.frames_read * frame_s
            # Half a frame of slack keeps e.g. 5 fps exact on a 10 fps file.
            frame = None
            if ts + frame_s / 2 >= next_due:
                frame = source.read()
                if frame is None:
                    break
            elif not source.skip():  # not analysed: step over it without converting it
                break
            result.frames_read += 1
            result.duration_s = ts
            if progress is not None:
                progress(result.frames_read, total)
            if frame is not None:
                next_due = max(next_due + period, ts)
                _collect(pipeline.process(frame), result)
    finally:
        source.close()
    if result.frames_read == 0:
        raise MediaError(f"no frames could be decoded from {path}")
    events, snapshots = pipeline.finish()
    result.events += events
    result.snapshots.update(snapshots)


def _frame_count(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    try:
        return max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))
    finally:
        cap.release()


def _collect(frame: FrameResult, result: AnalysisResult) -> None:
    result.frames_analysed += 1
    result.events += frame.events
    result.snapshots.update(frame.snapshots)
    for label, count in frame.counts.items():
        result.max_counts[label] = max(result.max_counts.get(label, 0), count)


"""Per-camera analysis of one frame: motion gate → detector → tracker → zones → events.

The same code runs in the daemon (one pipeline per camera, in an executor thread) and in
`homewatch analyze` (in a loop over a file). It is synchronous and owns no thread.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from homewatch.core.messages import SCENE_CLASSES
from homewatch.vision.config import CameraConfig, FilterConfig, VisionConfig
from homewatch.vision.detectors import Detection, Detector
from homewatch.vision.events import EventBuilder, EventFrame, FrameEvents, ObjectEvent
from homewatch.vision.filters import ObjectFilter
from homewatch.vision.geometry import Box, expand_square, union
from homewatch.vision.motion import MotionGate, MotionResult
from homewatch.vision.propagation import Propagator
from homewatch.vision.scene import Observation, SceneState
from homewatch.vision.schedule import DetectSchedule
from homewatch.vision.snapshot import Mark, SnapshotPacer, render
from homewatch.vision.sources import Frame, Image
from homewatch.vision.tracker import Tracker
from homewatch.vision.zones import Zones


@dataclass
class FrameResult:
    ts: float
    motion: MotionResult
    motion_on: bool
    searched: Box | None  # where the detector looked; None when it did not run
    inference_ms: float
    events: list[ObjectEvent]
    snapshots: dict[str, bytes]  # event id -> JPEG of the event's best frame
    counts: dict[str, int]  # event label -> confirmed objects in view


@dataclass
class PipelineStats:
    frames: int = 0
    detector_runs: int = 0
    inference_ms_total: float = 0.0
    motion_frames: int = 0
    crops: int = 0
    propagated: int = 0  # frames with tracks moved by optical flow instead of the detector
    reasons: Counter[str] = field(default_factory=Counter)  # why each detector run happened

    @property
    def inference_ms(self) -> float:
        return self.inference_ms_total / self.detector_runs if self.detector_runs else 0.0


@dataclass
class _State:
    last_detect: float | None = None
    rescan: bool = True  # look at the whole frame (first frame, after recalibration)
    motion_until: float = float("-inf")
    latest: Frame | None = None
    counts: dict[str, int] = field(default_factory=dict)


class CameraPipeline:
    def __init__(self, camera: CameraConfig, vision: VisionConfig, detector: Detector) -> None:
        self.camera = camera
        self.vision = vision
        self.detector = detector
        self.detect_enabled = camera.detect
        self.labels = frozenset(camera.track if camera.track is not None else vision.track)
        filters: dict[str, FilterConfig] = {**vision.filters, **camera.filters}
        self.filter = ObjectFilter(self.labels | set(SCENE_CLASSES), filters)
        self.motion = MotionGate(camera.motion)
        tracker = vision.tracker
        if vision.schedule.adaptive:  # detector runs are sparser: fewer misses mean gone
            tracker = tracker.model_copy(update={"max_misses": vision.schedule.max_misses})
        self.tracker = Tracker(tracker)
        self.zones = Zones(camera.zones)
        self.events = EventBuilder(camera.name, self.labels, self.tracker,
                                   object_filter=self.filter, min_hits=vision.tracker.min_hits,
                                   update_interval_s=vision.update_interval_s,
                                   pacer=SnapshotPacer(vision.snapshots))
        self.scene = SceneState(camera.name, vision.scene_window_s, self.labels)
        self.stats = PipelineStats()
        self._state = _State(counts=dict.fromkeys(sorted(self.labels), 0))
        self.adaptive = vision.schedule.adaptive
        self.propagator = Propagator(vision.schedule.flow_height)
        self.schedule = DetectSchedule(vision.schedule)

    def process(self, frame: Frame) -> FrameResult:
        self.stats.frames += 1
        self._state.latest = frame
        image = frame.image
        motion = self._motion(image)
        searched = self._search_area(frame.ts, image, motion)
        out = FrameEvents()
        elapsed_ms = 0.0
        if searched is not None:
            started = time.perf_counter()
            detections = self._detect(image, searched)
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.stats.detector_runs += 1
            self.stats.inference_ms_total += elapsed_ms
            self._state.last_detect = frame.ts
            out = self._track(detections, searched, frame)
            if self.adaptive:
                self.propagator.observe(image, self.tracker.tracks, frame.ts)
                self.schedule.detected(motion, self.tracker.tracks)
        motion_on = self._motion_on(frame.ts, motion)
        self._observe(frame.ts, motion, motion_on)
        return FrameResult(frame.ts, motion, motion_on, searched, elapsed_ms, out.events,
                           self._render(out.snapshots), dict(self._state.counts))

    def _motion(self, image: Image) -> MotionResult:
        if not self.camera.motion.enabled:
            h, w = image.shape[:2]
            return MotionResult((Box(0, 0, w, h),), 1.0, 0.5, recalibrated=False)
        result = self.motion.update(image)
        if result.detected:
            self.stats.motion_frames += 1
        if result.recalibrated:
            self._state.rescan = True
        return result

    def _search_area(self, ts: float, image: Image, motion: MotionResult) -> Box | None:
        """Where the detector should look this frame, or None to skip it."""
        if not self.detect_enabled:
            return None
        h, w = image.shape[:2]
        full = Box(0, 0, w, h)
        reason = self._reason(ts, image, motion)
        if reason is None:
            return None
        self.stats.reasons[reason] += 1
        if reason == "rescan":
            return full
        if motion.detected:
            # Moving legs are only part of a person: include the tracks the motion touches.
            touched = [t.box for t in self.tracker.tracks
                       if any(t.box.intersect(r).area for r in motion.regions)]
            area = union([*motion.regions, *touched])
        else:
            area = union(t.box for t in self.tracker.tracks)
        return self._crop(area, full) if area is not None else None

    def _reason(self, ts: float, image: Image, motion: MotionResult) -> str | None:
        """Why the detector runs on this frame, or None when it need not."""
        if self._state.rescan:
            self._state.rescan = False
            return "rescan"
        if motion.detected:
            if not self.adaptive:
                return "motion"
            tracks = self.tracker.tracks
            lost = self.propagator.step(image, tracks, ts)
            reason = self.schedule.reason(motion, tracks, lost)
            if reason is None:
                self.stats.propagated += 1
            return reason
        return "recheck" if self._recheck_due(ts) else None

    def _recheck_due(self, ts: float) -> bool:
        """Without motion: look again at the detect rate while an object of a tracked label is
        still tentative (confirm or drop it quickly), else only every `stationary_recheck_s`
        (other labels never confirm, so they must not keep the detector busy)."""
        tracks = self.tracker.tracks
        if not tracks:
            return False
        if any(t.label in self.labels and not self.events.confirmed(t) for t in tracks):
            return True
        last = self._state.last_detect
        return last is None or ts - last >= self.vision.tracker.stationary_recheck_s

    def _crop(self, area: Box, full: Box) -> Box:
        cfg = self.vision.detector
        if not cfg.crops:
            return full
        crop = expand_square(area, self.detector.input_size, full.x2, full.y2)
        if crop.area >= cfg.crop_max_fraction * full.area:
            return full
        self.stats.crops += 1
        return crop

    def _detect(self, image: Image, area: Box) -> list[Detection]:
        crop = image[area.y1:area.y2, area.x1:area.x2]
        found = self.detector.detect(crop)
        if area.x1 == 0 and area.y1 == 0:
            return found
        return [Detection(d.label, d.score, Box(d.box.x1 + area.x1, d.box.y1 + area.y1,
                                                d.box.x2 + area.x1, d.box.y2 + area.y1))
                for d in found]

    def _track(self, detections: list[Detection], searched: Box, frame: Frame) -> FrameEvents:
        h, w = frame.image.shape[:2]
        accepted = self.filter.select(detections, w * h)
        touched, ended = self.tracker.update(accepted, searched, frame.ts)
        for track in touched:
            track.zones = self.zones.of(track.label, track.box, w, h)
        out = self.events.update(touched, ended, frame.image, frame.ts)
        self._count()
        return out

    def _count(self) -> None:
        counts = dict.fromkeys(self._state.counts, 0)
        for track in self.tracker.tracks:
            if track.label in counts and self.events.confirmed(track):
                counts[track.label] += 1
        self._state.counts = counts

    def _motion_on(self, ts: float, motion: MotionResult) -> bool:
        if motion.detected:
            self._state.motion_until = ts + self.camera.motion.off_delay_s
        return ts < self._state.motion_until

    def _observe(self, ts: float, motion: MotionResult, motion_on: bool) -> None:
        scores: dict[str, float] = {}
        for track in self.tracker.tracks:
            if track.misses == 0 and track.label in SCENE_CLASSES:
                scores[track.label] = max(scores.get(track.label, 0.0), track.score)
        self.scene.add(Observation(ts, scores, dict(self._state.counts), motion.detected,
                                   motion.brightness))

    def _render(self, frames: list[EventFrame]) -> dict[str, bytes]:
        """JPEG of each event frame due (encoding is costly: only frames worth sending)."""
        return {f.event_id: render(f.frame.image,
                                   [Mark(f.label, f.frame.score, f.frame.box, highlight=True)],
                                   self.vision.snapshots)
                for f in frames}

    def snapshot_now(self) -> bytes | None:
        """The latest frame with every confirmed object's box (for `snapshot/take`)."""
        frame = self._state.latest
        if frame is None:
            return None
        marks = [Mark(t.label, t.score, t.box) for t in self.tracker.tracks
                 if self.events.confirmed(t)]
        self.events.pacer.sent(frame.ts)
        return render(frame.image, marks, self.vision.snapshots)

    def finish(self) -> tuple[list[ObjectEvent], dict[str, bytes]]:
        """End every open event (end of a file, camera lost, detection off); events and
        snapshots. The next analysed frame gets a full look."""
        latest = self._state.latest
        out = self.events.end_all(self.tracker.drop_all(), latest.ts if latest else 0.0)
        self._state.rescan = True
        self._count()
        return out.events, self._render(out.snapshots)

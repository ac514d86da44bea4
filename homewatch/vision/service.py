"""The vision service: every camera's capture thread and analysis task, wired to the bus."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from homewatch.core.bus import Bus, CommandRejected
from homewatch.core.messages import EventHistory, SceneProvider
from homewatch.vision.api import DetectSet, SnapshotTake, vision_api
from homewatch.vision.config import CameraConfig, VisionConfig, VisionSetup
from homewatch.vision.detectors import Detector, create_detector
from homewatch.vision.events import ObjectEvent
from homewatch.vision.history import SqliteHistory
from homewatch.vision.pipeline import CameraPipeline, FrameResult
from homewatch.vision.scene import SceneRegistry
from homewatch.vision.slot import LatestSlot
from homewatch.vision.sources import CaptureThread, Frame, FrameSource, OpenCVSource

log = logging.getLogger(__name__)
HISTORY_FILE = "vision_events.sqlite3"
PRUNE_EVERY_S = 3600.0
STARTUP_GRACE_S = 120.0  # below the unit's TimeoutStartSec


def open_source(camera: CameraConfig) -> FrameSource:
    """The frame source for a camera's `source` string (the seam for picamera2 and others)."""
    return OpenCVSource(camera.source, loop=camera.loop, realtime=camera.realtime,
                        width=camera.width, height=camera.height, fps=camera.fps)


class CameraRunner:
    """One camera: capture thread → latest-wins slot → pipeline in the executor → bus."""

    def __init__(self, camera: CameraConfig, pipeline: CameraPipeline, bus: Bus, *,
                 history: SqliteHistory, executor: ThreadPoolExecutor,
                 settings: VisionConfig) -> None:
        self.camera = camera
        self.pipeline = pipeline
        self.bus = bus
        self.history = history
        self.executor = executor
        self.settings = settings
        self.started = time.monotonic()
        self.slot: LatestSlot[Frame] | None = None
        self.capture: CaptureThread | None = None
        self.task: asyncio.Task[None] | None = None
        self._motion: bool | None = None
        self._counts: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = asyncio.Lock()  # one pipeline call at a time (frames, stop_looking)
        self._stopping: set[asyncio.Task[None]] = set()
        self._closing = False

    async def run(self, source: FrameSource) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        slot: LatestSlot[Frame] = LatestSlot(loop)
        self.slot = slot
        self.capture = CaptureThread(self.camera.name, source, slot.put, self._status_from_thread,
                                     interval=1.0 / self.camera.detect_fps,
                                     backoff_min=self.settings.reconnect_min_s,
                                     backoff_max=self.settings.reconnect_max_s)
        self._publish_initial()
        self.capture.start()
        try:
            await self._consume(slot, loop)
        finally:
            self._closing = True
            for task in list(self._stopping):
                task.cancel()
            await asyncio.shield(loop.run_in_executor(None, self.capture.stop))

    def _status_from_thread(self, online: bool) -> None:
        """Called on the capture thread: hand the status over to the loop."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # loop already closed at shutdown
                self._loop.call_soon_threadsafe(self._on_status, online)

    def _on_status(self, online: bool) -> None:
        self.bus.publish_state(f"{self.camera.name}/status", "online" if online else "offline")
        if not online and not self._closing:
            task = asyncio.get_running_loop().create_task(self.stop_looking())
            self._stopping.add(task)
            task.add_done_callback(self._stopping.discard)

    async def stop_looking(self) -> None:
        """Nobody is looking (detection off, camera lost): every open event ends and the
        counts drop to 0, so occupancy never claims what is not seen."""
        loop = asyncio.get_running_loop()
        async with self._busy:
            events, snapshots = await loop.run_in_executor(self.executor, self._finish)
        self._publish_events(events, snapshots)
        self._publish_counts(dict.fromkeys(self._counts, 0))

    def _finish(self) -> tuple[list[ObjectEvent], dict[str, bytes]]:
        events, snapshots = self.pipeline.finish()
        self.history.record(events)
        return events, snapshots

    def _publish_initial(self) -> None:
        name = self.camera.name
        self.bus.publish_state(f"{name}/detect", "ON" if self.pipeline.detect_enabled else "OFF")
        self.bus.publish_state(f"{name}/motion", "OFF")
        self._motion = False
        for label in sorted(self.pipeline.labels):
            self.bus.publish_state(f"{name}/{label}", 0)
            self._counts[label] = 0

    async def _consume(self, slot: LatestSlot[Frame], loop: asyncio.AbstractEventLoop) -> None:
        """Analyse what the capture thread hands over (it already keeps to the detect fps)."""
        while True:
            frame = await slot.get()
            async with self._busy:
                result = await loop.run_in_executor(self.executor, self._analyse, frame)
            self._publish(result)

    def _analyse(self, frame: Frame) -> FrameResult:
        result = self.pipeline.process(frame)
        self.history.record(result.events)
        return result

    def _publish(self, result: FrameResult) -> None:
        name = self.camera.name
        if result.motion_on != self._motion:
            self._motion = result.motion_on
            self.bus.publish_state(f"{name}/motion", "ON" if result.motion_on else "OFF")
        self._publish_events(result.events, result.snapshots)
        self._publish_counts(result.counts)

    def _publish_events(self, events: list[ObjectEvent], snapshots: dict[str, bytes]) -> None:
        for jpeg in snapshots.values():
            self.bus.publish_state(f"{self.camera.name}/snapshot", jpeg)
        for event in events:
            self.bus.publish_event("events", event.payload())

    def _publish_counts(self, counts: dict[str, int]) -> None:
        for label, count in counts.items():
            if self._counts.get(label) != count:
                self._counts[label] = count
                self.bus.publish_state(f"{self.camera.name}/{label}", count)

    def snapshot(self) -> dict[str, Any]:
        s, elapsed = self.pipeline.stats, max(1e-6, time.monotonic() - self.started)
        dropped = self.slot.dropped if self.slot is not None else 0
        frames_in = self.capture.frames if self.capture is not None else 0
        return {"detector": self.pipeline.detector.name,
                "fps_in": round(frames_in / elapsed, 2),
                "fps_analysed": round(s.frames / elapsed, 2),
                "dropped": dropped, "detector_runs": s.detector_runs,
                "detector_runs_per_s": round(s.detector_runs / elapsed, 2),
                "propagated": s.propagated, "detect_reasons": dict(s.reasons),
                "inference_ms": round(s.inference_ms_total / s.detector_runs, 2)
                if s.detector_runs else 0.0,
                "motion_pct": round(100 * s.motion_frames / s.frames, 1) if s.frames else 0.0,
                "online": self.capture is not None and self.capture.frames > 0}


class VisionService:
    """`Service` for the daemon: `VisionService(setup, bus)`, then `await run()`."""

    name = "vision"

    def __init__(self, setup: VisionSetup, bus: Bus, *,
                 detector: Detector | None = None) -> None:
        self.setup = setup
        self.bus = bus
        self._detector = detector
        self._registry = SceneRegistry()
        self.scenes: SceneProvider = self._registry
        self._history = SqliteHistory(setup.state_dir / HISTORY_FILE,
                                      setup.settings.history_retention_days)
        self.history: EventHistory = self._history
        self.cameras = [c for c in setup.cameras if c.enabled]
        self.runners: dict[str, CameraRunner] = {}
        self._executor = ThreadPoolExecutor(max_workers=max(1, len(self.cameras)),
                                            thread_name_prefix="vision")
        self._running = False
        self.entities_ready = asyncio.Event()  # set once every camera's entities are added
        self._stopped = False
        self._created = time.monotonic()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            detector = self._detector
            if detector is None:
                detector = await loop.run_in_executor(
                    self._executor, create_detector, self.setup.settings.detector,
                    self.setup.models)
            self._build(detector)
            self.bus.add_api(vision_api(
                [(r.camera, sorted(r.pipeline.labels)) for r in self.runners.values()],
                self._on_detect, self._on_snapshot))
            self.entities_ready.set()
            self._running = True
            async with asyncio.TaskGroup() as group:
                for runner in self.runners.values():
                    runner.task = group.create_task(runner.run(open_source(runner.camera)),
                                                    name=f"vision-{runner.camera.name}")
                group.create_task(self._prune_loop(), name="vision-history")
        finally:
            self._running = False
            self._stopped = True
            # Let a running inference finish before the database it writes to is closed.
            stop = functools.partial(self._executor.shutdown, wait=True, cancel_futures=True)
            await asyncio.shield(loop.run_in_executor(None, stop))
            self._history.close()
            for runner in self.runners.values():
                self.bus.publish_state(f"{runner.camera.name}/status", "offline")

    def _build(self, detector: Detector) -> None:
        for camera in self.cameras:
            pipeline = CameraPipeline(camera, self.setup.settings, detector)
            self._registry.register(pipeline.scene)
            self.runners[camera.name] = CameraRunner(
                camera, pipeline, self.bus, history=self._history, executor=self._executor,
                settings=self.setup.settings)

    async def _prune_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            removed = await loop.run_in_executor(self._executor, self._history.prune)
            if removed:
                log.info("event history: %d old events removed", removed)
            await asyncio.sleep(PRUNE_EVERY_S)

    def _camera_runner(self, camera: str, action: str) -> CameraRunner:
        runner = self.runners.get(camera)
        if runner is None:
            raise CommandRejected("unknown_camera", f"no camera named {camera!r} for {action}")
        return runner

    async def _on_detect(self, request: DetectSet) -> None:
        runner = self._camera_runner(request.camera, "detect")
        was = runner.pipeline.detect_enabled
        runner.pipeline.detect_enabled = request.on
        self.bus.publish_state(f"{runner.camera.name}/detect", "ON" if request.on else "OFF")
        if was and not request.on:
            await runner.stop_looking()

    async def _on_snapshot(self, request: SnapshotTake) -> None:
        await self.take_snapshot(request.camera)

    async def take_snapshot(self, camera: str) -> None:
        """Publish the camera's current frame, boxes drawn, on `<camera>/snapshot`."""
        runner = self._camera_runner(camera, "snapshot")
        loop = asyncio.get_running_loop()
        jpeg = await loop.run_in_executor(self._executor, runner.pipeline.snapshot_now)
        if jpeg is None:
            raise CommandRejected("no_frame", f"camera {runner.camera.name} has no frame yet")
        self.bus.publish_state(f"{runner.camera.name}/snapshot", jpeg)

    def healthy(self) -> bool:
        """Every camera's analysis task and capture thread is alive (a camera that is offline
        but retrying is healthy; a dead loop is not), or the service is still starting."""
        if not self._running:
            # Still starting (the detector loads on a worker) is not a fault; a start that
            # never finishes, or a stop, is.
            starting = time.monotonic() - self._created < STARTUP_GRACE_S
            return starting and not self._stopped
        for runner in self.runners.values():
            if runner.task is None or runner.task.done():
                return False
            if runner.capture is not None and not runner.capture.alive():
                return False
        return True

    def stats(self) -> dict[str, Any]:
        return {name: runner.snapshot() for name, runner in self.runners.items()}

    def problem(self) -> str | None:
        """What degrades this service without stopping it, for `stats` and Home Assistant."""
        trouble = self._history.problem
        return None if trouble is None else f"event history paused: {trouble}"

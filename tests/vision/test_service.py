"""The vision service on a MemoryBus, fed by an MJPEG camera served on loopback."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest

from homewatch.config.slices import vision_setup
from homewatch.core.bus import MemoryBus, Payload, encode
from homewatch.core.errors import ModelError
from homewatch.vision.detectors import TFLiteSSD
from homewatch.vision.service import VisionService
from tests.conftest import MEDIA
from tests.support.waiting import eventually
from tests.vision.conftest import make_config
from tests.vision.mjpeg_server import MjpegCamera, load_jpegs


@dataclass
class RecordingBus(MemoryBus):
    """A MemoryBus that also keeps the order of state changes."""

    history: list[tuple[str, bytes]] = field(default_factory=list)

    def publish_state(self, suffix: str, payload: Payload) -> None:
        super().publish_state(suffix, payload)
        self.history.append((suffix, encode(payload)))

    def statuses(self, camera: str) -> list[str]:
        values = [p.decode() for s, p in self.history if s == f"{camera}/status"]
        return [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]


@pytest.fixture
def camera() -> Iterator[MjpegCamera]:
    cam = MjpegCamera(load_jpegs(MEDIA / "vtest.avi", count=30))
    cam.start()
    yield cam
    cam.stop()


def _service(tmp_path: Path, url: str, ssd: TFLiteSSD, bus: MemoryBus) -> VisionService:
    config = make_config(tmp_path, cameras=[{"name": "plaza", "source": url}],
                         vision={"reconnect_min_s": 0.2, "reconnect_max_s": 0.5})
    return VisionService(vision_setup(config), bus, detector=ssd)


def test_camera_lost_and_back(tmp_path: Path, camera: MjpegCamera, ssd: TFLiteSSD) -> None:
    asyncio.run(_camera_lost_and_back(tmp_path, camera, ssd))


async def _camera_lost_and_back(tmp_path: Path, camera: MjpegCamera, ssd: TFLiteSSD) -> None:
    bus = RecordingBus()
    service = _service(tmp_path, camera.url, ssd, bus)
    assert service.healthy()  # starting: the supervisor asks right after READY=1
    task = asyncio.create_task(service.run())
    try:
        await eventually(lambda: bus.states.get("plaza/status") == b"online")
        await eventually(lambda: service.stats().get("plaza", {}).get("detector_runs", 0) >= 2)
        camera.stop()
        await eventually(lambda: bus.states.get("plaza/status") == b"offline")
        assert service.healthy()  # a lost camera is retried, not a dead service
        camera.start()
        await eventually(lambda: bus.states.get("plaza/status") == b"online")
        runs = service.stats()["plaza"]["detector_runs"]
        await eventually(lambda: service.stats()["plaza"]["detector_runs"] > runs)
        assert service.healthy()
        assert bus.statuses("plaza") == ["online", "offline", "online"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert bus.states["plaza/status"] == b"offline"
    assert not [t for t in threading.enumerate() if t.name.startswith(("capture-", "vision"))]
    assert not service.healthy()


def test_a_start_that_never_finishes_is_unhealthy(tmp_path: Path, ssd: TFLiteSSD,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    service = _service(tmp_path, "/dev/video97", ssd, RecordingBus())
    assert service.healthy()
    monkeypatch.setattr("homewatch.vision.service.STARTUP_GRACE_S", 0.0)
    assert not service.healthy()


def test_commands_entities_and_events(tmp_path: Path, camera: MjpegCamera,
                                      ssd: TFLiteSSD) -> None:
    asyncio.run(_commands_entities_and_events(tmp_path, camera, ssd))


async def _commands_entities_and_events(tmp_path: Path, camera: MjpegCamera,
                                        ssd: TFLiteSSD) -> None:
    bus = RecordingBus()
    service = _service(tmp_path, camera.url, ssd, bus)
    task = asyncio.create_task(service.run())
    try:
        await eventually(lambda: any(json.loads(p)["type"] == "new"
                                     for s, p in bus.events if s == "events"), timeout=60)
        assert bus.states["plaza/motion"] == b"ON"
        assert int(bus.states["plaza/person"]) >= 1
        stats = service.stats()["plaza"]
        assert stats["fps_analysed"] > 0 and stats["inference_ms"] > 0
        assert stats["detector_runs_per_s"] > 0
        # Read while a frame may be in flight: its reason can be counted before its run.
        runs = stats["detector_runs"]
        assert runs <= sum(stats["detect_reasons"].values()) <= runs + 1
        assert stats["detect_reasons"]["rescan"] >= 1  # the first look

        await bus.send("plaza/snapshot/take", b"")
        image = cv2.imdecode(np.frombuffer(bus.states["plaza/snapshot"], np.uint8),
                             cv2.IMREAD_COLOR)
        assert image.shape == (240, 320, 3)

        await bus.send("plaza/detect/set", b"OFF")
        assert bus.states["plaza/detect"] == b"OFF"
        assert not service.runners["plaza"].pipeline.detect_enabled
        await bus.send("plaza/detect/set", b"maybe")
        assert bus.json_events("error")[-1]["code"] == "bad_payload"
        await bus.send("garage/snapshot/take", b"")
        assert bus.json_events("error")[-1]["code"] == "unknown_camera"

        assert service.history.last_seen("person", "plaza") is not None
        assert service.history.last_seen("person", "garage") is None
        scene = service.scenes.snapshot("plaza")
        assert scene is not None and scene.stats("person").max_score >= 0.5
        assert service.scenes.cameras() == ["plaza"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    platforms = {c["p"] for c in bus.entities.values()}
    assert platforms == {"binary_sensor", "sensor", "camera", "switch", "button"}
    assert bus.entities["plaza_snapshot"]["t"] == "~/plaza/snapshot"
    assert bus.entities["plaza_person_occupancy"]["device_class"] == "occupancy"


def test_file_replay_analyses_at_detect_fps(tmp_path: Path, ssd: TFLiteSSD) -> None:
    """A looping file read as fast as it decodes: frames beyond the detect fps are skipped
    in the capture thread, and the analysis keeps to the detect fps."""
    clip = Path(__file__).resolve().parents[2] / "examples" / "media" / "plaza.avi"
    config = make_config(tmp_path, cameras=[{"name": "replay", "source": str(clip),
                                             "loop": True, "realtime": False,
                                             "detect_fps": 5}])
    bus = RecordingBus()
    service = VisionService(vision_setup(config), bus, detector=ssd)

    async def scenario() -> dict[str, float]:
        task = asyncio.create_task(service.run())
        try:
            await eventually(
                lambda: service.stats().get("replay", {}).get("detector_runs", 0) >= 10)
            await eventually(lambda: service.runners["replay"].capture is not None
                             and service.runners["replay"].capture.frames > 100)  # looped
            return dict(service.stats()["replay"])
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    stats = asyncio.run(scenario())
    assert stats["fps_in"] > 3 * stats["fps_analysed"]
    assert 0 < stats["fps_analysed"] <= 6.5  # 5 fps, plus the first frame in a short window
    assert bus.statuses("replay") == ["online", "offline"]  # offline only at shutdown


def test_corrupt_model_stops_the_service_with_a_clear_error(tmp_path: Path) -> None:
    model = tmp_path / "broken.tflite"
    model.write_bytes(b"\x00" * 64)
    config = make_config(tmp_path, cameras=[{"name": "plaza", "source": "0"}],
                         vision={"detector": {"kind": "tflite", "model": str(model)}})
    with pytest.raises(ModelError, match=r"broken\.tflite"):
        asyncio.run(VisionService(vision_setup(config), MemoryBus()).run())


def test_nobody_looking_means_nobody_counted(tmp_path: Path, camera: MjpegCamera,
                                             ssd: TFLiteSSD) -> None:
    asyncio.run(_nobody_looking(tmp_path, camera, ssd))


async def _nobody_looking(tmp_path: Path, camera: MjpegCamera, ssd: TFLiteSSD) -> None:
    """Detection off, or the camera lost: open events end and the counts drop to 0 (so the
    occupancy entities read OFF); live values come back when looking resumes."""
    bus = RecordingBus()
    service = _service(tmp_path, camera.url, ssd, bus)
    task = asyncio.create_task(service.run())

    def people() -> int:
        return int(bus.states.get("plaza/person", b"0"))

    def ended() -> int:
        return sum(json.loads(p)["type"] == "end" for s, p in bus.events if s == "events")

    try:
        await eventually(lambda: people() >= 1, timeout=60)
        await bus.send("plaza/detect/set", b"OFF")
        assert people() == 0 and ended() >= 1  # done before the command returns
        await bus.send("plaza/detect/set", b"ON")
        await eventually(lambda: people() >= 1, timeout=60)

        before = ended()
        camera.stop()
        await eventually(lambda: bus.states.get("plaza/status") == b"offline")
        await eventually(lambda: people() == 0)
        assert ended() > before
        camera.start()
        await eventually(lambda: people() >= 1, timeout=60)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

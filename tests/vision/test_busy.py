"""Tracking between detector runs: the detector runs where it matters, nothing is lost."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
import pytest

from homewatch.config import Config
from homewatch.vision.config import CameraConfig, VisionConfig
from homewatch.vision.detectors import TFLiteSSD
from homewatch.vision.events import ObjectEvent
from homewatch.vision.geometry import Box
from homewatch.vision.pipeline import CameraPipeline
from homewatch.vision.sources import Frame, Image, OpenCVSource
from tests.conftest import MEDIA


@dataclass
class Replay:
    """Per analysed frame: person boxes by track id (confirmed, and every track), and whether
    the detector ran."""

    confirmed: list[dict[int, Box]] = field(default_factory=list)
    seen: list[dict[int, Box]] = field(default_factory=list)
    detected: list[bool] = field(default_factory=list)
    event_ids: list[set[str]] = field(default_factory=list)
    events: list[ObjectEvent] = field(default_factory=list)
    snapshots: list[tuple[float, str, bytes]] = field(default_factory=list)  # ts, event id
    last_ts: float = 0.0


def _frames(path: str, step: int) -> Iterator[Frame]:
    source = OpenCVSource(path, file_clock=True)
    source.open()
    try:
        index = 0
        while (frame := source.read()) is not None:
            if index % step == 0:
                yield frame
            index += 1
    finally:
        source.close()


def _replay(vision: VisionConfig, ssd: TFLiteSSD, step: int = 2) -> tuple[Replay,
                                                                          CameraPipeline]:
    camera = CameraConfig(name="plaza", source="seam", track=("person",))
    pipeline = CameraPipeline(camera, vision, ssd)
    out = Replay()
    for frame in _frames(str(MEDIA / "vtest.avi"), step):
        result = pipeline.process(frame)
        people = [t for t in pipeline.tracker.tracks if t.label == "person"]
        out.seen.append({t.id: t.box for t in people})
        out.confirmed.append({t.id: t.box for t in people if pipeline.events.confirmed(t)})
        out.detected.append(result.searched is not None)
        out.event_ids.append({e.id for e in result.events})
        out.events += result.events
        out.snapshots += [(frame.ts, i, jpeg) for i, jpeg in result.snapshots.items()]
        out.last_ts = frame.ts
    return out, pipeline


@pytest.fixture(scope="module")
def every_frame(ssd: TFLiteSSD, config: Config) -> Replay:
    vision = config.vision.model_copy(update={"schedule": config.vision.schedule.model_copy(
        update={"adaptive": False})})
    return _replay(vision, ssd)[0]


@pytest.fixture(scope="module")
def adaptive(ssd: TFLiteSSD, config: Config) -> tuple[Replay, CameraPipeline]:
    assert config.vision.schedule.adaptive  # the default
    return _replay(config.vision, ssd)


@pytest.mark.slow
def test_vtest_every_person_caught_within_one_floor_period(
        every_frame: Replay, adaptive: tuple[Replay, CameraPipeline]) -> None:
    replay, pipeline = adaptive
    floor = pipeline.vision.schedule.floor_every
    first: dict[int, int] = {}
    for index, tracks in enumerate(every_frame.confirmed):
        for track_id in tracks:
            first.setdefault(track_id, index)
    late = []
    for track_id, start in first.items():
        window = range(start, min(start + floor + 1, len(replay.seen)))
        caught = any(every_frame.confirmed[i][track_id].iou(b) >= 0.3
                     for i in window if track_id in every_frame.confirmed[i]
                     for b in replay.seen[i].values())
        if not caught:
            late.append(track_id)
    assert len(first) >= 50
    assert not late, f"{len(late)} of {len(first)} people not caught within {floor} frames"
    # ... and at well under the every-frame detector cost.
    assert sum(replay.detected) <= 0.7 * sum(every_frame.detected)
    assert pipeline.stats.propagated >= 0.3 * len(replay.detected)


@pytest.mark.slow
def test_vtest_propagation_keeps_event_ids(adaptive: tuple[Replay, CameraPipeline]) -> None:
    replay, _ = adaptive
    skipped = [i for i in range(1, len(replay.detected)) if not replay.detected[i]]
    assert len(skipped) >= 50
    moved = 0
    for i in skipped:
        # Nothing starts, ends or changes identity on a frame the detector skipped ...
        assert replay.confirmed[i].keys() == replay.confirmed[i - 1].keys()
        assert not replay.event_ids[i]
        # ... yet the boxes follow the people.
        moved += sum(box != replay.confirmed[i - 1][k] for k, box in replay.confirmed[i].items())
    assert moved >= len(skipped)


def _plaza(ssd: TFLiteSSD) -> tuple[Image, Image]:
    """The empty plaza of vtest.avi (the median of its frames) and its clearest pedestrian,
    cut from the first frame and scaled up to stand near the camera."""
    frames = [f.image for f in _frames(str(MEDIA / "vtest.avi"), 16)]
    empty = np.median(np.stack(frames), axis=0).astype(np.uint8)
    first = frames[0]
    box = max((d for d in ssd.detect(first) if d.label == "person"), key=lambda d: d.score).box
    person = cv2.resize(first[box.y1:box.y2, box.x1:box.x2], None, fx=2.5, fy=2.5)
    return empty, person


def _paste(scene: Image, patch: Image, x: int, y: int) -> None:
    h, w = patch.shape[:2]
    x1, x2 = max(0, x), min(scene.shape[1], x + w)
    if x2 > x1:
        scene[y:y + h, x1:x2] = patch[:, x1 - x:x2 - x]


@pytest.mark.slow
def test_person_entering_at_the_edge_runs_the_detector(ssd: TFLiteSSD, config: Config) -> None:
    background, person = _plaza(ssd)
    camera = CameraConfig(name="yard", source="seam", track=("person",))
    pipeline = CameraPipeline(camera, config.vision, ssd)
    rng = np.random.default_rng(3)
    reasons = []
    for index in range(70):
        scene = background.copy()
        if index >= 10:  # someone walks slowly across the middle
            _paste(scene, person, 250 + 4 * (index - 10), 250)
        if index >= 50:  # someone else steps in at the left edge
            _paste(scene, person, -person.shape[1] + 12 * (index - 49), 300)
        noisy = np.clip(scene + rng.normal(0, 2.0, scene.shape), 0, 255).astype(np.uint8)
        before = dict(pipeline.stats.reasons)
        pipeline.process(Frame(noisy, index / 10, index))
        reasons.append({k for k, v in pipeline.stats.reasons.items() if v > before.get(k, 0)})
    assert any(pipeline.events.confirmed(t) for t in pipeline.tracker.tracks)
    assert sum(not r for r in reasons[20:50]) >= 10  # the walker is followed without the SSD
    assert reasons[50] == {"new_motion"}
    assert pipeline.stats.propagated >= 10


@pytest.mark.slow
def test_vtest_snapshots_are_paced(adaptive: tuple[Replay, CameraPipeline]) -> None:
    replay, pipeline = adaptive
    interval = pipeline.vision.snapshots.min_interval_s
    times = [ts for ts, _, _ in replay.snapshots]
    assert len(times) >= 5
    assert all(b - a >= interval for a, b in itertools.pairwise(times))
    first_new = next(e for e in replay.events if e.type == "new")
    together = {e.id for e in replay.events if e.type == "new" and e.start == first_new.start}
    assert replay.snapshots[0][0] == first_new.last_seen  # shown as the first events start
    assert replay.snapshots[0][1] in together
    assert replay.snapshots[0][2][:2] == b"\xff\xd8"
    shown = {i for _, i, _ in replay.snapshots}
    for event in replay.events:  # the payload points at the topic once it showed the event
        assert event.snapshot in (None, "plaza/snapshot")
        if event.snapshot is None:
            assert "snapshot" not in event.payload()
    assert {e.id for e in replay.events if e.snapshot} == shown
    # A request counts too: right after one, a new event waits for the interval.
    assert pipeline.snapshot_now() is not None
    assert not pipeline.events.pacer.ready(replay.last_ts + interval / 2)
    assert pipeline.events.pacer.ready(replay.last_ts + interval)

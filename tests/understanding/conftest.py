"""Constructed scenes, an in-memory event history and a ready dialog service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from homewatch.config import Config, validate_data
from homewatch.config.slices import dialog_setup
from homewatch.core.bus import MemoryBus
from homewatch.core.messages import ClassStats, SceneSnapshot
from homewatch.understanding.model import PACKAGED, FusionModel
from homewatch.understanding.replies import Reply
from homewatch.understanding.service import DialogService

CAMERAS = ("front_door", "back_door", "garden", "living_room", "driveway", "kitchen",
           "backyard", "garage")
NOW = 1_800_000_000.0


def person(count: int = 1) -> ClassStats:
    """A real, tracked person: persistent and confident."""
    return ClassStats(max_score=0.84, mean_score=0.71, presence=0.9, count=count)


def flicker() -> ClassStats:
    """A one-frame false positive: a high score, but seen in 1 of 20 frames, no track."""
    return ClassStats(max_score=0.66, mean_score=0.66, presence=0.05, count=0)


def scene(camera: str = "front_door", brightness: float = 0.6, motion: float = 0.4,
          last_seen: dict[str, float] | None = None, **classes: ClassStats) -> SceneSnapshot:
    return SceneSnapshot(camera=camera, ts=NOW, window_s=5.0, classes=classes,
                         brightness=brightness, motion=motion, last_seen=last_seen or {})


class Scenes:
    """A SceneProvider whose snapshots the test sets."""

    def __init__(self) -> None:
        self.current: dict[str, SceneSnapshot] = {}

    def cameras(self) -> list[str]:
        return list(CAMERAS)

    def snapshot(self, camera: str) -> SceneSnapshot | None:
        return self.current.get(camera)

    def set(self, snap: SceneSnapshot) -> None:
        self.current[snap.camera] = snap


class History:
    """An EventHistory over a list of (label, camera, ts)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, float]] = []

    def last_seen(self, label: str, camera: str | None = None) -> tuple[str, float] | None:
        hits = [(c, t) for lbl, c, t in self.events
                if lbl == label and (camera is None or c == camera)]
        return max(hits, key=lambda h: h[1]) if hits else None


def make_config(state_dir: Path, **understanding: object) -> Config:
    return validate_data({
        "node": {"id": "test"},
        "daemon": {"state_dir": str(state_dir)},
        "cameras": [{"name": c, "source": f"{c}.avi"} for c in CAMERAS[:3]],
        "alarm": {"code": "1234", "max_attempts": 3, "lockout_s": 60},
        "understanding": {"devices": [{"name": "porch light"}, {"name": "kitchen light"}],
                          "camera_names": {"front_door": ["front door", "entrance"]},
                          **understanding},
    })


@pytest.fixture(scope="session")
def model() -> FusionModel:
    return FusionModel.load(PACKAGED)


@pytest.fixture
def scenes() -> Scenes:
    return Scenes()


@pytest.fixture
def history() -> History:
    return History()


@pytest.fixture
def bus() -> MemoryBus:
    return MemoryBus()


@pytest.fixture
def service(tmp_path: Path, bus: MemoryBus, scenes: Scenes, history: History,
            model: FusionModel) -> Iterator[DialogService]:
    svc = DialogService(dialog_setup(make_config(tmp_path)), bus, scenes, history, model=model,
                        clock=lambda: NOW)
    yield svc
    svc.close()


async def confirmed(service: DialogService, text: str) -> Reply:
    """Ask, and say "yes" when the service asks back (risky requests)."""
    reply = await service.ask(text)
    if reply.confirmation != "asked":
        return reply
    return await service.ask("yes")

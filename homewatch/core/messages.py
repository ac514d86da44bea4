"""Typed messages that cross subsystem boundaries (vision, voice, understanding).

Each subsystem keeps its internal messages to itself; only what another subsystem
consumes lives here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

# Classes the scene state tracks for the fusion model, in feature order.
SCENE_CLASSES: tuple[str, ...] = (
    "person", "car", "truck", "bicycle", "motorcycle", "bus", "dog", "cat", "bird", "package",
)


@dataclass(frozen=True, slots=True)
class ClassStats:
    """One class over the scene window: detector evidence, not a verdict."""

    max_score: float = 0.0
    mean_score: float = 0.0
    presence: float = 0.0  # fraction of analysed frames in the window where the class was seen
    count: int = 0  # confirmed (tracked, filtered) objects currently present


@dataclass(frozen=True, slots=True)
class SceneSnapshot:
    """What one camera saw over the last few seconds."""

    camera: str
    ts: float
    window_s: float
    classes: Mapping[str, ClassStats]
    brightness: float  # mean luma, 0..1
    motion: float  # fraction of the window's frames with motion, 0..1
    last_seen: Mapping[str, float] = field(default_factory=dict)  # label -> unix time
    tracked: frozenset[str] | None = None  # labels the camera reports on; None: every class

    def reports(self, label: str) -> bool:
        """Whether answers may name `label`: the camera tracks it (its count is published)."""
        return self.tracked is None or label in self.tracked

    def stats(self, label: str) -> ClassStats:
        return self.classes.get(label, ClassStats())


class SceneProvider(Protocol):
    """Read access to every camera's rolling scene state."""

    def cameras(self) -> list[str]: ...

    def snapshot(self, camera: str) -> SceneSnapshot | None: ...


class EventHistory(Protocol):
    """Read access to past object events."""

    def last_seen(self, label: str, camera: str | None = None) -> tuple[str, float] | None:
        """(camera, unix time) of the latest event of `label`, or None."""
        ...


@runtime_checkable
class EventLog(Protocol):
    """Past object events over a span of time (the event history may offer it)."""

    def events(self, start: float, end: float, cameras: Sequence[str] | None = None,
               limit: int = 5000) -> list[dict[str, object]]:
        """Events seen between `start` and `end`, oldest first: dicts with id, camera, label,
        start, last_seen, end, top_score, zones."""
        ...


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True, slots=True)
class Utterance:
    """One recognised utterance."""

    text: str  # snapped to the nearest command when close enough
    raw: str  # what the recognizer produced
    confidence: float
    words: tuple[Word, ...]
    recognizer: str
    duration: float  # seconds of audio
    latency: float  # seconds from end of speech to transcript
    ts: float  # unix time at end of speech
    alternative: str | None = None  # an open-vocabulary pass on the same audio, if made
    alternatives: tuple[str, ...] = ()  # the recognizer's best distinct hypotheses, best first

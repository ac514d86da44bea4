"""Scene states that look like real detector output, with the truth they came from.

True objects persist (present in most analysed frames, scores ~0.5–0.9, confirmed by the
tracker); false positives flicker (one or two frames, no confirmed track, scores that can be
as high as a true object's). Answers are labelled from the truth, not from the scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from homewatch.understanding.features import FeatureSpec, class_values

Role = Literal["true", "flicker", "absent"]
CLASS_WEIGHTS = {"person": 0.34, "car": 0.14, "truck": 0.05, "bicycle": 0.05,
                 "motorcycle": 0.04, "bus": 0.04, "dog": 0.1, "cat": 0.09, "bird": 0.07,
                 "package": 0.08}
DARK_BELOW = 0.27  # true brightness under which the lights count as off


@dataclass(frozen=True, slots=True)
class Scene:
    counts: dict[str, int]  # true objects present
    flickers: tuple[str, ...]
    brightness: float
    vector: npt.NDArray[np.float32]

    @property
    def bright(self) -> bool:
        return self.brightness >= DARK_BELOW

    def present(self, label: str) -> bool:
        """`none` asks about anything at all."""
        return bool(self.counts) if label == "none" else label in self.counts

    def count(self, label: str) -> int:
        return sum(self.counts.values()) if label == "none" else self.counts.get(label, 0)


def _pick_classes(rng: np.random.Generator, n: int, exclude: set[str]) -> list[str]:
    names = [c for c in CLASS_WEIGHTS if c not in exclude]
    weights = np.array([CLASS_WEIGHTS[c] for c in names])
    n = min(n, len(names))
    return list(rng.choice(names, size=n, replace=False, p=weights / weights.sum()))


def _true_stats(rng: np.random.Generator, label: str, dark: bool) -> tuple[float, float, float,
                                                                           int, int]:
    count = int(min(rng.geometric(0.45 if label == "person" else 0.65), 9))
    presence = rng.uniform(0.2, 0.85) if dark else rng.uniform(0.35, 1.0)
    top = rng.uniform(0.42, 0.8) if dark else rng.uniform(0.5, 0.93)
    seen = top * rng.uniform(0.7, 0.95)
    mean = seen if rng.random() < 0.5 else seen * presence  # both conventions occur
    tracked = count
    roll = rng.random()
    if roll < 0.05:
        tracked = 0  # not confirmed yet
    elif roll < 0.17:
        tracked = max(1, count + int(rng.choice([-1, 1])))
    return top, mean, presence, tracked, count


def _flicker_stats(rng: np.random.Generator) -> tuple[float, float, float, int]:
    presence = rng.uniform(0.02, 0.16)
    top = rng.uniform(0.3, 0.8)
    seen = top * rng.uniform(0.85, 1.0)
    mean = seen if rng.random() < 0.5 else seen * presence
    tracked = 1 if rng.random() < 0.1 else 0
    return top, mean, presence, tracked


def sample_scene(rng: np.random.Generator, spec: FeatureSpec, focus: str | None = None,
                 role: Role | None = None, flicker_only: bool = False) -> Scene:
    """A random scene; `focus`/`role` force one class to be truly there, flicker or be absent."""
    dark = rng.random() < 0.25
    brightness = rng.uniform(0.02, DARK_BELOW - 0.04) if dark else rng.uniform(
        DARK_BELOW + 0.04, 0.95)
    reserved = {focus} if focus and focus != "none" else set()
    n_true = 0 if flicker_only else int(rng.choice(4, p=[0.3, 0.4, 0.2, 0.1]))
    true = _pick_classes(rng, n_true, reserved)
    if role == "true" and focus and focus != "none":
        true = [focus, *true[: max(0, n_true - 1)]]
    n_flicker = int(rng.choice([1, 2])) if flicker_only else int(
        rng.choice(3, p=[0.55, 0.3, 0.15]))
    flickers = _pick_classes(rng, n_flicker, reserved | set(true))
    if role == "flicker" and focus and focus != "none":
        flickers = [focus, *flickers[:1]]
    stats: dict[str, tuple[float, float, float, int]] = {}
    counts: dict[str, int] = {}
    for label in true:
        top, mean, presence, tracked, count = _true_stats(rng, label, dark)
        stats[label] = (top, mean, presence, tracked)
        counts[label] = count
    for label in flickers:
        stats[label] = _flicker_stats(rng)
    values: list[float] = []
    for label in spec.classes:
        top, mean, presence, tracked = stats.get(label, (0.0, 0.0, 0.0, 0))
        values += class_values(spec, top, mean, presence, tracked)
    motion = rng.uniform(0.15, 1.0) if true else rng.uniform(0.0, 0.8 if flickers else 0.3)
    extra = {"brightness": brightness, "motion": motion}
    values += [extra[name] for name in spec.extra]
    return Scene(counts, tuple(flickers), float(brightness), np.asarray(values, np.float32))

"""Scene state → the fusion model's vision vector, laid out as `fusion.json` specifies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from homewatch.core.messages import SCENE_CLASSES, SceneSnapshot

PER_CLASS = ("max_score", "mean_score", "presence", "count")
EXTRA = ("brightness", "motion")
COUNT_SCALE = 10.0


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """Which numbers the vision input holds, in order."""

    classes: tuple[str, ...] = SCENE_CLASSES
    per_class: tuple[str, ...] = PER_CLASS
    extra: tuple[str, ...] = EXTRA
    count_scale: float = COUNT_SCALE

    @property
    def size(self) -> int:
        return len(self.classes) * len(self.per_class) + len(self.extra)

    def to_json(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "per_class": list(self.per_class),
                "extra": list(self.extra), "count_scale": self.count_scale, "size": self.size}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureSpec:
        spec = cls(tuple(data["classes"]), tuple(data["per_class"]), tuple(data["extra"]),
                   float(data["count_scale"]))
        unknown = (set(spec.per_class) - set(PER_CLASS)) | (set(spec.extra) - set(EXTRA))
        if unknown:
            raise ValueError(f"unknown vision features: {sorted(unknown)}")
        return spec


def class_values(spec: FeatureSpec, max_score: float, mean_score: float, presence: float,
                 count: int) -> list[float]:
    values = {"max_score": max_score, "mean_score": mean_score, "presence": presence,
              "count": min(count, spec.count_scale) / spec.count_scale}
    return [float(np.clip(values[name], 0.0, 1.0)) for name in spec.per_class]


def vision_vector(snapshot: SceneSnapshot | None, spec: FeatureSpec) -> npt.NDArray[np.float32]:
    """An all-zero scene (nothing seen, dark, still) when there is no snapshot."""
    if snapshot is None:
        return np.zeros(spec.size, dtype=np.float32)
    values: list[float] = []
    for label in spec.classes:
        stats = snapshot.stats(label)
        values += class_values(spec, stats.max_score, stats.mean_score, stats.presence,
                               stats.count)
    extra = {"brightness": snapshot.brightness, "motion": snapshot.motion}
    values += [float(np.clip(extra[name], 0.0, 1.0)) for name in spec.extra]
    return np.asarray(values, dtype=np.float32)


def class_slice(spec: FeatureSpec, label: str) -> Sequence[int]:
    """Indices of one class's features in the vector."""
    start = spec.classes.index(label) * len(spec.per_class)
    return range(start, start + len(spec.per_class))

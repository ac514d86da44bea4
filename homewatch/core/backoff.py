"""Exponential backoff with jitter, for reconnecting to brokers and cameras."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays grow ×2 from `minimum` to `maximum`; each is drawn from [d/2, d] so a fleet of
    devices that lost the same broker does not reconnect in lockstep."""

    minimum: float
    maximum: float
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0

    def next(self) -> float:
        ceiling = min(self.maximum, self.minimum * (2 ** min(self.attempts, 30)))
        self.attempts += 1
        return self.rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.attempts = 0

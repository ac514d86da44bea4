"""Log lines for repeated outside causes (a flood of bad payloads, a chatty FFmpeg), limited
to one per cause per interval, with the count of what was left out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LogLimiter:
    interval_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _last: dict[str, float] = field(default_factory=dict)
    _held: dict[str, int] = field(default_factory=dict)

    def allow(self, cause: str) -> int | None:
        """None: stay quiet about `cause` now. Else log, mentioning the returned number of
        occurrences that were not logged since the last line."""
        now = self.clock()
        last = self._last.get(cause)
        if last is not None and now - last < self.interval_s:
            self._held[cause] = self._held.get(cause, 0) + 1
            return None
        self._last[cause] = now
        return self._held.pop(cause, 0)


def suppressed(count: int) -> str:
    return f" (and {count} more like it since the last report)" if count else ""

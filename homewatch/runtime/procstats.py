"""Process CPU and memory figures for the `stats` topic, without extra dependencies."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field


def rss_mb() -> float:
    """Current resident set size (Linux), in MiB."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuMeter:
    """CPU use since the previous reading, as % of one core."""

    _cpu: float = field(default_factory=cpu_seconds)
    _wall: float = field(default_factory=time.monotonic)

    def percent(self) -> float:
        cpu, wall = cpu_seconds(), time.monotonic()
        elapsed = max(wall - self._wall, 1e-6)
        value = 100.0 * (cpu - self._cpu) / elapsed
        self._cpu, self._wall = cpu, wall
        return round(value, 1)

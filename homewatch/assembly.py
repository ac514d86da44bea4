"""Which services the daemon runs, built from the configuration."""

from __future__ import annotations

from homewatch.bus import Bus
from homewatch.config import Config
from homewatch.service import Service


def build_services(config: Config, bus: Bus) -> list[Service]:
    """Every long-lived subsystem the configuration asks for, wired to `bus`."""
    return []

"""Who this device is: its id in topics and unique ids, and its name in Home Assistant."""

from __future__ import annotations

import re
import socket

from pydantic import Field

from homewatch.core.configbase import Frozen


def _hostname_id() -> str:
    return re.sub(r"[^a-z0-9_]+", "_", socket.gethostname().lower()).strip("_") or "homewatch"



class NodeConfig(Frozen):
    id: str = Field(default_factory=_hostname_id, pattern=r"^[a-z0-9_]+$",
                    description="Node id used in topics and unique ids; default: the hostname")
    name: str | None = Field(default=None, description="Friendly device name in Home Assistant")

    @property
    def display_name(self) -> str:
        return self.name or f"homewatch {self.id}"

"""Where models live."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from homewatch.core.configbase import Frozen


class ModelsConfig(Frozen):
    dir: Path = Field(default=Path("/var/lib/homewatch/models"),
                      description="Where downloaded detector, recognizer and fusion models live")

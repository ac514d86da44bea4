"""Configs for tests, pointing at a test broker and a temporary state directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homewatch.config import Config, deep_merge


def make_config(state_dir: Path, port: int, **overrides: Any) -> Config:
    data: dict[str, Any] = {
        "node": {"id": "testnode"},
        "mqtt": {"host": "127.0.0.1", "port": port, "reconnect_min_s": 0.1,
                 "reconnect_max_s": 0.5, "keepalive": 5},
        "daemon": {"state_dir": str(state_dir), "drain_timeout_s": 5},
    }
    return Config.model_validate(deep_merge(data, overrides))

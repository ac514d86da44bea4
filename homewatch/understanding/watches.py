"""Standing questions ("tell me when someone is at the back door"), kept across restarts.

Each watch fires once when the fused P(yes) rises above `on`, and can fire again only after
P(yes) stayed below `off` for `clear_s` seconds: a flicker neither fires nor re-arms it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from homewatch.core.statefile import JsonStateFile, StateDamaged, loads_bounded

log = logging.getLogger(__name__)
VERSION = 1


@dataclass(frozen=True, slots=True)
class Watch:
    id: str
    camera: str
    object: str  # a scene class, or "none" for anything
    text: str  # the request as heard
    created: float
    fired: int = 0
    last_fired: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _Row(BaseModel):
    """One stored watch, type-checked: a wrong type must not surface when the watch fires."""

    model_config = ConfigDict(strict=True, extra="forbid")
    id: str
    camera: str
    object: str
    text: str
    created: float
    fired: int = Field(default=0, ge=0)
    last_fired: float | None = None

    def watch(self) -> Watch:
        return Watch(**self.model_dump())


_ROWS = TypeAdapter(list[_Row])


def parse_watches(data: Any) -> list[Watch]:
    """Version 1 `{"version": 1, "watches": [...]}`, or version 0's bare list."""
    rows = data if isinstance(data, list) else data["watches"] if isinstance(data, dict) else None
    if rows is None:
        raise TypeError(f"expected an object, found {type(data).__name__}")
    try:
        return [r.watch() for r in _ROWS.validate_python(rows)]
    except ValidationError as exc:
        raise ValueError(f"{exc.error_count()} invalid field(s): "
                         f"{exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from None


def salvage_watches(raw: bytes) -> list[Watch]:
    """The well-typed rows of a damaged file, when it is still JSON."""
    try:
        data = loads_bounded(raw)
    except ValueError:
        return []
    rows = data.get("watches") if isinstance(data, dict) else data
    kept: list[Watch] = []
    for row in rows if isinstance(rows, list) else []:
        try:
            kept.append(_Row.model_validate(row).watch())
        except ValidationError:
            continue
    return kept


@dataclass(slots=True)
class _Trigger:
    armed: bool = True
    below_since: float | None = None


@dataclass(frozen=True, slots=True)
class Hysteresis:
    on: float = 0.7
    off: float = 0.3
    clear_s: float = 10.0


class WatchStore:
    """The watch list, saved as JSON in the state directory after every change."""

    def __init__(self, path: Path, hysteresis: Hysteresis = Hysteresis()) -> None:
        self.path = path
        self._file = JsonStateFile(path, VERSION)
        self.hysteresis = hysteresis
        self._watches: dict[str, Watch] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._load()

    def _load(self) -> None:
        try:
            watches = self._file.load(parse_watches) or []
        except StateDamaged as exc:
            salvaged = salvage_watches(exc.raw)
            kept = f"moved to {exc.moved_to.name}" if exc.moved_to else "not moved aside"
            log.error("watch list %s is damaged (%s); it was %s; starting with the %d watch(es) "
                      "that could be read from it", exc.path, exc.reason, kept, len(salvaged))
            watches = salvaged
            self._watches = {w.id: w for w in watches}
            self._save()
            return
        self._watches = {w.id: w for w in watches}

    def _save(self) -> None:
        self._file.save({"watches": self.to_json()})

    def flush(self) -> None:
        """Retry a write that failed (the disk was full or read-only)."""
        self._file.flush()

    @property
    def write_error(self) -> str | None:
        return self._file.last_error

    def to_json(self) -> list[dict[str, Any]]:
        return [w.to_json() for w in self._watches.values()]

    def __len__(self) -> int:
        return len(self._watches)

    def all(self) -> list[Watch]:
        return list(self._watches.values())

    def add(self, camera: str, obj: str, text: str, now: float) -> Watch:
        for watch in self._watches.values():
            if watch.camera == camera and watch.object == obj:
                return watch
        watch = Watch(secrets.token_hex(4), camera, obj, text, now)
        self._watches[watch.id] = watch
        self._save()
        return watch

    def remove(self, watch_id: str | None = None, camera: str | None = None,
               obj: str | None = None) -> list[Watch]:
        """Remove by id, or every watch matching camera and/or object (all if none given)."""
        gone = [w for w in self._watches.values()
                if (watch_id is None or w.id == watch_id)
                and (camera is None or w.camera == camera)
                and (obj is None or w.object == obj)]
        for watch in gone:
            del self._watches[watch.id]
            self._triggers.pop(watch.id, None)
        if gone:
            self._save()
        return gone

    def update(self, watch_id: str, p_yes: float, now: float) -> Watch | None:
        """Feed the latest P(yes); returns the watch when it fires."""
        watch = self._watches.get(watch_id)
        if watch is None:
            return None
        trigger = self._triggers.setdefault(watch_id, _Trigger())
        hyst = self.hysteresis
        if trigger.armed:
            if p_yes >= hyst.on:
                trigger.armed, trigger.below_since = False, None
                fired = replace(watch, fired=watch.fired + 1, last_fired=now)
                self._watches[watch_id] = fired
                self._save()
                return fired
            return None
        if p_yes > hyst.off:
            trigger.below_since = None
        elif trigger.below_since is None:
            trigger.below_since = now
        if trigger.below_since is not None and now - trigger.below_since >= hyst.clear_s:
            trigger.armed, trigger.below_since = True, None
        return None

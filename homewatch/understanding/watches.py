"""Standing questions ("tell me when someone is at the back door"), kept across restarts.

Each watch fires once when the fused P(yes) rises above `on`, and can fire again only after
P(yes) stayed below `off` for `clear_s` seconds: a flicker neither fires nor re-arms it.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


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
        self.hysteresis = hysteresis
        self._watches: dict[str, Watch] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._load()

    def _load(self) -> None:
        try:
            rows = json.loads(self.path.read_text())
            watches = [Watch(**row) for row in rows]
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError) as exc:
            broken = self.path.with_suffix(".broken")
            log.error("cannot read %s (%s); kept as %s, starting with no watches",
                      self.path, exc, broken)
            self.path.replace(broken)
            return
        self._watches = {w.id: w for w in watches}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1))
        tmp.replace(self.path)

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

"""What Home Assistant was told, remembered in the state directory across restarts.

Home Assistant keeps every component it once discovered until it is told otherwise: a
component that simply disappears from the device payload lives on as a ghost entity with a
frozen state. So every announced component is remembered (platform and retained state
topics), and one that is gone (a camera, label or zone removed or renamed, or the whole
node renamed) is announced as a removal entry, `{"p": <platform>}` with no other key, in
`cmps` of the discovery payload it belonged to; its retained state topics are cleared.

A removal entry is forgotten once Home Assistant certainly had the chance to see it: the
broker acknowledged a payload carrying it that was published in answer to Home Assistant's
birth message (so it was subscribed), or `keep_s` after the broker first acknowledged it
(a Home Assistant that was running all along received it live). A removal entry for a
component Home Assistant never knew is ignored by it, so keeping one longer is harmless.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homewatch.core.statefile import atomic_write

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
KEEP_S = 7 * 24 * 3600.0
# Component options that name a topic homewatch publishes retained state on.
STATE_TOPIC_KEYS = ("stat_t", "state_topic", "t", "topic", "json_attr_t",
                    "json_attributes_topic")


def state_topics(base: str, component: Mapping[str, Any]) -> tuple[str, ...]:
    """The retained topics a component reads, resolved against `~` = `base`."""
    topics = []
    for key in STATE_TOPIC_KEYS:
        value = component.get(key)
        if isinstance(value, str) and value.startswith("~/"):
            topics.append(base + value[1:])
    return tuple(sorted(set(topics)))


@dataclass
class Component:
    platform: str
    topics: tuple[str, ...] = ()


@dataclass
class Removal:
    platform: str
    topics: tuple[str, ...] = ()
    delivered_at: float | None = None  # wall clock of the first broker acknowledgement


@dataclass
class Device:
    """One device-discovery topic: what is announced on it and what is being removed."""

    device_id: str
    components: dict[str, Component] = field(default_factory=dict)
    removals: dict[str, Removal] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """A published discovery payload, until the broker acknowledges it."""

    topic: str
    removals: tuple[str, ...]
    after_birth: bool


class AnnouncedComponents:
    """The memory of announced components, keyed by device-discovery topic."""

    def __init__(self, devices: dict[str, Device] | None = None, keep_s: float = KEEP_S) -> None:
        self.devices: dict[str, Device] = devices or {}
        self.keep_s = keep_s

    # ---- reconciling ------------------------------------------------------------------
    def reconcile(self, topic: str, device_id: str, current: Mapping[str, Component]) -> bool:
        """Record what is announced now on `topic`; what was announced before and is gone
        (here or on any other topic) becomes a removal. True if anything changed."""
        before = self.to_json()
        live_topics = {t for c in current.values() for t in c.topics}
        for other_topic, device in self.devices.items():
            kept = current if other_topic == topic else {}
            for key, component in device.components.items():
                if key not in kept and key not in device.removals:
                    stale = tuple(t for t in component.topics if t not in live_topics)
                    device.removals[key] = Removal(component.platform, stale)
                    log.info("Home Assistant: removing component %s (%s)", key,
                             component.platform)
            device.components = {k: c for k, c in device.components.items() if k in kept}
        device = self.devices.setdefault(topic, Device(device_id))
        device.device_id = device_id
        device.components = dict(current)
        for key in current:
            device.removals.pop(key, None)  # it came back
        self._forget_empty()
        return self.to_json() != before

    def removal_entries(self, topic: str) -> dict[str, dict[str, str]]:
        device = self.devices.get(topic)
        if device is None:
            return {}
        return {key: {"p": r.platform} for key, r in device.removals.items()}

    def retired(self, current_topic: str) -> dict[str, Device]:
        """Other device topics (a renamed node) that still carry removals."""
        return {t: d for t, d in self.devices.items() if t != current_topic and d.removals}

    def topics_to_clear(self) -> list[str]:
        live = {t for d in self.devices.values() for c in d.components.values() for t in c.topics}
        stale = {t for d in self.devices.values() for r in d.removals.values() for t in r.topics}
        return sorted(stale - live)

    # ---- delivery -----------------------------------------------------------------------
    def delivered(self, delivery: Delivery, now: float | None = None) -> list[str]:
        """The broker acknowledged a payload; returns device topics that became empty
        (their retained discovery payload can be cleared)."""
        now = time.time() if now is None else now
        device = self.devices.get(delivery.topic)
        if device is None:
            return []
        for key in delivery.removals:
            removal = device.removals.get(key)
            if removal is None:
                continue
            if delivery.after_birth:
                del device.removals[key]
            elif removal.delivered_at is None:
                removal.delivered_at = now
        return self.expire(now)

    def expire(self, now: float | None = None) -> list[str]:
        now = time.time() if now is None else now
        for device in self.devices.values():
            device.removals = {
                k: r for k, r in device.removals.items()
                if r.delivered_at is None or now - r.delivered_at < self.keep_s}
        return self._forget_empty()

    def _forget_empty(self) -> list[str]:
        empty = [t for t, d in self.devices.items() if not d.components and not d.removals]
        for topic in empty:
            del self.devices[topic]
        return empty

    # ---- persistence --------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"version": FORMAT_VERSION, "devices": {
            topic: {
                "device_id": d.device_id,
                "components": {k: {"p": c.platform, "topics": list(c.topics)}
                               for k, c in sorted(d.components.items())},
                "removals": {k: {"p": r.platform, "topics": list(r.topics),
                                 "delivered_at": r.delivered_at}
                             for k, r in sorted(d.removals.items())},
            } for topic, d in sorted(self.devices.items())}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], keep_s: float = KEEP_S) -> AnnouncedComponents:
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"unknown format version {data.get('version')!r}")
        devices = {}
        for topic, d in data["devices"].items():
            devices[str(topic)] = Device(
                str(d["device_id"]),
                {str(k): Component(str(c["p"]), _strings(c.get("topics", ())))
                 for k, c in d.get("components", {}).items()},
                {str(k): Removal(str(r["p"]), _strings(r.get("topics", ())),
                                 _optional_float(r.get("delivered_at")))
                 for k, r in d.get("removals", {}).items()})
        return cls(devices, keep_s)


def _strings(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def load(path: Path, keep_s: float = KEEP_S) -> AnnouncedComponents:
    """The remembered components; empty when there is no file yet or it is unreadable
    (then ghosts from before cannot be removed, which is logged, but nothing breaks)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return AnnouncedComponents.from_json(data, keep_s)
    except FileNotFoundError:
        return AnnouncedComponents(keep_s=keep_s)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("cannot read %s (%s): starting without the memory of announced "
                    "Home Assistant components", path, exc)
        return AnnouncedComponents(keep_s=keep_s)


def save(path: Path, data: Mapping[str, Any]) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    atomic_write(path, json.dumps(data, indent=1, sort_keys=True).encode())

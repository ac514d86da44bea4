"""Home Assistant MQTT device discovery: one payload for the whole node.

Every component carries its own `~` base and availability instead of relying on shared
top-level options, so the payload reads the same in every Home Assistant version that
supports device discovery (2024.11+).
"""

from __future__ import annotations

from homewatch import __version__
from homewatch.core.bus import Json
from homewatch.core.node import NodeConfig
from homewatch.mqtt.announced import Component, state_topics
from homewatch.mqtt.topics import OFFLINE, ONLINE, Topics


class DiscoveryRegistry:
    """Entities announced to Home Assistant; subsystems add theirs with `add`."""

    def __init__(self, topics: Topics, node: NodeConfig) -> None:
        self._topics = topics
        self._node = node
        self._components: dict[str, Json] = {}

    def add(self, key: str, component: Json) -> None:
        if "p" not in component:
            raise ValueError(f"discovery component {key!r} needs a platform ('p')")
        self._components[key] = component

    def keys(self) -> list[str]:
        return list(self._components)

    def announced(self) -> dict[str, Component]:
        """What the payload announces, as the memory of announced components keeps it."""
        return {key: Component(str(c["p"]), state_topics(self._topics.base, c))
                for key, c in self._components.items()}

    def payload(self, removals: Json | None = None) -> Json:
        """The device payload; `removals` are `{key: {"p": platform}}` entries of components
        that are gone (Home Assistant removes those entities)."""
        cmps = {key: self._complete(key, c) for key, c in self._components.items()}
        for key, entry in (removals or {}).items():
            cmps.setdefault(key, entry)
        return {
            "dev": {
                "ids": [self._topics.device_id],
                "name": self._node.display_name,
                "mf": "homewatch",
                "mdl": "homewatch edge monitor",
                "sw": __version__,
            },
            "o": {"name": "homewatch", "sw": __version__},
            "cmps": cmps,
            "qos": 1,
        }

    @staticmethod
    def retired_payload(device_id: str, removals: Json) -> Json:
        """The payload for a device id no longer in use (the node was renamed): every
        component it had, as a removal entry."""
        return {"dev": {"ids": [device_id]}, "o": {"name": "homewatch", "sw": __version__},
                "cmps": removals}

    def _complete(self, key: str, component: Json) -> Json:
        unique_id = f"{self._topics.device_id}_{key}"
        full: Json = {
            "~": self._topics.base,
            "unique_id": unique_id,
            "object_id": unique_id,
            "default_entity_id": f"{component['p']}.{unique_id}",
            "avty_t": "~/status",
            "pl_avail": ONLINE,
            "pl_not_avail": OFFLINE,
        }
        full.update(component)
        return full

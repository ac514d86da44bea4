"""Home Assistant MQTT device discovery: one payload for the whole node.

Every component carries its own `~` base and availability instead of relying on shared
top-level options, so the payload reads the same in every Home Assistant version that
supports device discovery (2024.11+).
"""

from __future__ import annotations

from homewatch import __version__
from homewatch.core.bus import Json
from homewatch.core.node import NodeConfig
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

    def payload(self) -> Json:
        return {
            "dev": {
                "ids": [self._topics.device_id],
                "name": self._node.display_name,
                "mf": "homewatch",
                "mdl": "homewatch edge monitor",
                "sw": __version__,
            },
            "o": {"name": "homewatch", "sw": __version__},
            "cmps": {key: self._complete(key, c) for key, c in self._components.items()},
            "qos": 1,
        }

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

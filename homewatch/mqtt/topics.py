"""Topic names: everything under `<prefix>/<node_id>/`."""

from __future__ import annotations

from dataclasses import dataclass

from homewatch.core.node import NodeConfig
from homewatch.mqtt.config import MqttConfig

ONLINE = "online"
OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class Topics:
    base: str
    discovery_prefix: str
    node_id: str

    @classmethod
    def from_config(cls, mqtt: MqttConfig, node: NodeConfig) -> Topics:
        return cls(f"{mqtt.topic_prefix}/{node.id}", mqtt.discovery_prefix, node.id)

    def full(self, suffix: str) -> str:
        return f"{self.base}/{suffix}"

    def suffix(self, topic: str) -> str | None:
        head = self.base + "/"
        return topic[len(head):] if topic.startswith(head) else None

    @property
    def status(self) -> str:
        return self.full("status")

    @property
    def error(self) -> str:
        return self.full("error")

    @property
    def device_id(self) -> str:
        return f"homewatch_{self.node_id}"

    @property
    def discovery(self) -> str:
        return f"{self.discovery_prefix}/device/{self.device_id}/config"

    @property
    def ha_status(self) -> str:
        return f"{self.discovery_prefix}/status"

"""Configuration of the link to the broker."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from homewatch.core.configbase import Frozen


class TlsConfig(Frozen):
    enabled: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure: bool = Field(default=False, description="Skip hostname verification (testing only)")


class OutboxConfig(Frozen):
    max_messages: int = Field(default=100_000, ge=10, description="Oldest dropped beyond this")
    max_inflight: int = Field(default=20, ge=1, le=1000)
    memory_max_messages: int = Field(default=10_000, ge=10, description="Events held in "
                                     "memory while the state directory is full or read-only")


class EmbeddedBrokerConfig(Frozen):
    enabled: bool = Field(default=False, description="Run an MQTT broker inside the daemon")
    host: str = "127.0.0.1"


class MqttConfig(Frozen):
    host: str = "localhost"
    port: int = Field(default=1883, ge=1, le=65535)
    protocol: Literal["3.1.1", "5"] = "3.1.1"
    username: str | None = None
    password: SecretStr | None = None
    client_id: str | None = Field(default=None, description="Default: homewatch-<node id>")
    keepalive: int = Field(default=30, ge=5, le=3600)
    max_packet_bytes: int = Field(default=128 * 1024, ge=4096, description="MQTT 5: the "
                                  "broker drops larger messages instead of sending them")
    topic_prefix: str = "homewatch"
    discovery: bool = True
    discovery_prefix: str = "homeassistant"
    tls: TlsConfig = TlsConfig()
    outbox: OutboxConfig = OutboxConfig()
    embedded_broker: EmbeddedBrokerConfig = EmbeddedBrokerConfig()
    reconnect_min_s: float = Field(default=1.0, gt=0)
    reconnect_max_s: float = Field(default=5.0, gt=0, description="Longest wait between "
                                   "reconnects to a broker that went away")
    reconnect_refused_max_s: float = Field(default=60.0, gt=0, description="Longest wait "
                                           "between logins the broker refused (wrong password)")

    @field_validator("topic_prefix", "discovery_prefix")
    @classmethod
    def _no_wildcards(cls, value: str) -> str:
        if not value or any(c in value for c in "#+") or value.endswith("/"):
            raise ValueError("must be a non-empty topic without wildcards or trailing '/'")
        return value

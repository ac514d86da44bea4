"""The configuration: frozen pydantic models, loaded from one YAML file plus overrides.

Precedence (highest first): environment (`HOMEWATCH_MQTT__PORT=1884`), systemd credentials
(`$CREDENTIALS_DIRECTORY/mqtt_password`), the YAML file, defaults.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator

from homewatch.config_errors import issues_from_validation
from homewatch.config_source import load_yaml_with_lines
from homewatch.configbase import Frozen
from homewatch.errors import ConfigError, ConfigIssue
from homewatch.understanding.config import UnderstandingConfig
from homewatch.vision.config import CameraConfig, VisionConfig
from homewatch.voice.config import VoiceConfig

DEFAULT_CONFIG_PATH = Path("/etc/homewatch/config.yaml")
ENV_PREFIX = "HOMEWATCH_"
CREDENTIALS = {"mqtt_password": ("mqtt", "password"), "alarm_code": ("alarm", "code")}


def _hostname_id() -> str:
    return re.sub(r"[^a-z0-9_]+", "_", socket.gethostname().lower()).strip("_") or "homewatch"


class NodeConfig(Frozen):
    id: str = Field(default_factory=_hostname_id, pattern=r"^[a-z0-9_]+$",
                    description="Node id used in topics and unique ids; default: the hostname")
    name: str | None = Field(default=None, description="Friendly device name in Home Assistant")

    @property
    def display_name(self) -> str:
        return self.name or f"homewatch {self.id}"


class TlsConfig(Frozen):
    enabled: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure: bool = Field(default=False, description="Skip hostname verification (testing only)")


class OutboxConfig(Frozen):
    max_messages: int = Field(default=100_000, ge=10, description="Oldest dropped beyond this")
    max_inflight: int = Field(default=20, ge=1, le=1000)


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
    topic_prefix: str = "homewatch"
    discovery: bool = True
    discovery_prefix: str = "homeassistant"
    tls: TlsConfig = TlsConfig()
    outbox: OutboxConfig = OutboxConfig()
    embedded_broker: EmbeddedBrokerConfig = EmbeddedBrokerConfig()
    reconnect_min_s: float = Field(default=1.0, gt=0)
    reconnect_max_s: float = Field(default=60.0, gt=0)

    @field_validator("topic_prefix", "discovery_prefix")
    @classmethod
    def _no_wildcards(cls, value: str) -> str:
        if not value or any(c in value for c in "#+") or value.endswith("/"):
            raise ValueError("must be a non-empty topic without wildcards or trailing '/'")
        return value


class ModelsConfig(Frozen):
    dir: Path = Field(default=Path("/var/lib/homewatch/models"),
                      description="Where downloaded detector, recognizer and fusion models live")


class AlarmConfig(Frozen):
    code: SecretStr | None = Field(default=None, description="PIN needed to disarm")
    code_arm_required: bool = False
    max_attempts: int = Field(default=3, ge=1)
    lockout_s: float = Field(default=60.0, ge=0)


class LoggingConfig(Frozen):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class DaemonConfig(Frozen):
    state_dir: Path = Field(default=Path("/var/lib/homewatch"),
                            description="Outbox, event history, watches; systemd's StateDirectory")
    drain_timeout_s: float = Field(default=10.0, gt=0, le=300)
    stats_interval_s: float = Field(default=60.0, ge=1)


class Config(Frozen):
    node: NodeConfig = NodeConfig()
    mqtt: MqttConfig = MqttConfig()
    daemon: DaemonConfig = DaemonConfig()
    models: ModelsConfig = ModelsConfig()
    cameras: tuple[CameraConfig, ...] = ()
    vision: VisionConfig = VisionConfig()
    voice: VoiceConfig = VoiceConfig()
    understanding: UnderstandingConfig = UnderstandingConfig()
    alarm: AlarmConfig = AlarmConfig()
    logging: LoggingConfig = LoggingConfig()

    @field_validator("cameras")
    @classmethod
    def _unique_names(cls, cameras: tuple[CameraConfig, ...]) -> tuple[CameraConfig, ...]:
        names = [c.name for c in cameras]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"camera names must be unique; repeated: {', '.join(dupes)}")
        return cameras


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """`HOMEWATCH_MQTT__PORT=1884` → {"mqtt": {"port": "1884"}}; JSON values are decoded."""
    tree: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or "__" not in key or key == "HOMEWATCH_CONFIG":
            continue
        parts = key[len(ENV_PREFIX):].lower().split("__")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = _decode_env(raw)
    return tree


def _decode_env(raw: str) -> Any:
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def credential_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Secrets handed over by systemd's LoadCredential=."""
    directory = environ.get("CREDENTIALS_DIRECTORY")
    tree: dict[str, Any] = {}
    if not directory:
        return tree
    for name, (section, key) in CREDENTIALS.items():
        path = Path(directory, name)
        if path.is_file():
            tree.setdefault(section, {})[key] = path.read_text().strip()
    return tree


def deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, Mapping):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def resolve_path(cli_path: str | Path | None, environ: Mapping[str, str]) -> Path:
    if cli_path is not None:
        return Path(cli_path)
    return Path(environ.get("HOMEWATCH_CONFIG", DEFAULT_CONFIG_PATH))


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Load, merge and validate; raise ConfigError listing every problem."""
    env = os.environ if environ is None else environ
    data, lines = load_yaml_with_lines(path)
    data = deep_merge(data, credential_overrides(env))
    data = deep_merge(data, env_overrides(env))
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(str(path), issues_from_validation(exc, lines)) from None


def validate_data(data: Mapping[str, Any], source: str = "<config>") -> Config:
    try:
        return Config.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(source, issues_from_validation(exc, {})) from None


__all__ = ["Config", "ConfigError", "ConfigIssue", "load_config", "resolve_path"]

"""The one way every command loads its configuration.

Precedence (highest first): environment (`HOMEWATCH_MQTT__PORT=1884`), systemd credentials
(`$CREDENTIALS_DIRECTORY/mqtt_password`), the YAML file, defaults. The file is `--config`,
else `$HOMEWATCH_CONFIG`, else the default path when it exists; the daemon needs one, the
offline tools (`analyze`, `ask`, `transcribe`, `models`) run on defaults without it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from homewatch.config.issues import issues_from_validation
from homewatch.config.model import Config
from homewatch.config.references import reference_issues
from homewatch.config.source import KeyPath, load_yaml_with_lines
from homewatch.core.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("/etc/homewatch/config.yaml")
ENV_PREFIX = "HOMEWATCH_"
CREDENTIALS = {"mqtt_password": ("mqtt", "password"), "alarm_code": ("alarm", "code")}


@dataclass(frozen=True)
class Loaded:
    config: Config
    path: Path | None  # the file read, or None when only defaults and overrides apply


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


def config_path(cli_path: str | Path | None, environ: Mapping[str, str], *,
                required: bool) -> Path | None:
    """The file to read: `--config`, `$HOMEWATCH_CONFIG`, then the default path. Without
    `required`, a missing default path means "no file" rather than an error."""
    if cli_path is not None:
        return Path(cli_path)
    if environ.get("HOMEWATCH_CONFIG"):
        return Path(environ["HOMEWATCH_CONFIG"])
    return DEFAULT_CONFIG_PATH if required or DEFAULT_CONFIG_PATH.exists() else None


def load(cli_path: str | Path | None = None, environ: Mapping[str, str] | None = None, *,
         required: bool = True) -> Loaded:
    """Defaults < file < systemd credentials < environment, validated; ConfigError lists
    every problem with its key path and line."""
    env = os.environ if environ is None else environ
    path = config_path(cli_path, env, required=required)
    data: dict[str, Any] = {}
    lines: dict[KeyPath, int] = {}
    if path is not None:
        data, lines = load_yaml_with_lines(path)
    data = deep_merge(data, credential_overrides(env))
    data = deep_merge(data, env_overrides(env))
    source = str(path) if path is not None else "<defaults and environment>"
    return Loaded(_validate(data, source, lines), path)


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """The configuration from `path` plus credentials and environment."""
    return load(path, environ).config


def validate_data(data: Mapping[str, Any], source: str = "<config>") -> Config:
    return _validate(dict(data), source, {})


def _validate(data: dict[str, Any], source: str, lines: dict[KeyPath, int]) -> Config:
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, issues_from_validation(exc, lines)) from None
    issues = reference_issues(config, lines)
    if issues:
        raise ConfigError(source, issues)
    return config

"""The configuration: the model of every section, and the one loader every command uses."""

from homewatch.config.loader import (
    DEFAULT_CONFIG_PATH,
    Loaded,
    deep_merge,
    env_overrides,
    load,
    load_config,
    validate_data,
)
from homewatch.config.model import Config, DaemonConfig, LoggingConfig

__all__ = ["DEFAULT_CONFIG_PATH", "Config", "DaemonConfig", "Loaded", "LoggingConfig",
           "deep_merge", "env_overrides", "load", "load_config", "validate_data"]

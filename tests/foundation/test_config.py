"""Loading, overriding and rejecting configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from homewatch.config import env_overrides, load_config
from homewatch.core.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "node: {id: fromfile}\nmqtt: {host: broker, port: 1883}\n")
    config = load_config(path, {"HOMEWATCH_NODE__ID": "fromenv", "HOMEWATCH_MQTT__PORT": "1884",
                                "HOMEWATCH_MODELS__DIR": "/srv/models"})
    assert (config.node.id, config.mqtt.host, config.mqtt.port) == ("fromenv", "broker", 1884)
    assert config.models.dir == Path("/srv/models")


def test_credentials_directory_supplies_secrets(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "mqtt_password").write_text("pw-from-systemd\n")
    config = load_config(write(tmp_path, "mqtt: {username: u}\n"),
                         {"CREDENTIALS_DIRECTORY": str(creds)})
    assert config.mqtt.password is not None
    assert config.mqtt.password.get_secret_value() == "pw-from-systemd"
    assert "pw-from-systemd" not in repr(config)


def test_every_problem_is_listed_with_line_and_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "mqtt:\n  port: [1]\n  protocol: '4'\nlogging:\n  level: LOUD\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, {})
    rendered = info.value.render()
    assert [i.path for i in info.value.issues] == ["mqtt.port", "mqtt.protocol", "logging.level"]
    assert [i.line for i in info.value.issues] == [2, 3, 5]
    assert "'3.1.1'" in rendered and "LOUD" not in rendered


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "mqtt:\n  host: a\n   port: 1\n"), {})
    assert info.value.issues[0].line == 3


def test_frozen_and_strict() -> None:
    from homewatch.config import Config

    config = Config()
    with pytest.raises(Exception, match="frozen"):
        config.node.id = "x"  # type: ignore[misc]
    assert env_overrides({"HOMEWATCH_CAMERAS": "[]", "HOMEWATCH_MQTT__TLS__ENABLED": "true",
                          "OTHER": "1"}) == {"mqtt": {"tls": {"enabled": "true"}}}

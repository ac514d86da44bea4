"""The shipped systemd unit: valid for systemd, hardened, and consistent with the daemon."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from homewatch.config import Config
from tests.conftest import REPO

UNIT = REPO / "systemd" / "homewatch.service"
INSTALLED_BINARY = "/opt/homewatch/bin/homewatch"
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(
    ANALYZE is None, reason="systemd-analyze not installed (Debian package `systemd`)")


def settings(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def unit_copy(tmp_path: Path, text: str | None = None) -> Path:
    """The unit with ExecStart pointing at this interpreter, since /opt/homewatch is absent here."""
    text = UNIT.read_text() if text is None else text
    assert INSTALLED_BINARY in text
    unit = tmp_path / "homewatch.service"
    unit.write_text(text.replace(INSTALLED_BINARY, f"{sys.executable} -m homewatch"))
    return unit


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    return subprocess.run([ANALYZE, "verify", "--recursive-errors=no", str(unit)],
                          capture_output=True, text=True, timeout=60, check=False)


def exposure(unit: Path) -> float:
    assert ANALYZE is not None
    result = subprocess.run([ANALYZE, "security", "--offline=yes", str(unit)],
                            capture_output=True, text=True, timeout=60, check=False)
    match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", result.stdout)
    assert match, result.stdout + result.stderr
    return float(match.group(1))


@needs_analyze
def test_unit_verifies(tmp_path: Path) -> None:
    result = verify(unit_copy(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Unknown key" not in result.stderr


@needs_analyze
def test_verify_would_catch_a_typo(tmp_path: Path) -> None:
    broken = UNIT.read_text().replace("WatchdogSec=30", "WatchDogSec=30")
    result = verify(unit_copy(tmp_path, broken))
    assert result.returncode != 0
    assert "WatchDogSec" in result.stderr


@needs_analyze
def test_security_exposure_is_at_most_3(tmp_path: Path) -> None:
    assert exposure(unit_copy(tmp_path)) <= 3.0
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "homewatch.service").write_text(f"[Service]\nExecStart={sys.executable}\n")
    assert exposure(bare / "homewatch.service") > 3.0  # the parser sees a bad score too


def test_unit_matches_the_daemon() -> None:
    unit = settings(UNIT.read_text())
    config = Config()
    assert unit["Type"] == ["notify"]
    assert unit["NotifyAccess"] == ["main"]
    assert unit["WatchdogSec"] == ["30"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["RestartPreventExitStatus"] == ["78 243"]  # config error, missing credential
    assert float(unit["TimeoutStopSec"][0]) > config.daemon.drain_timeout_s
    assert unit["ExecStart"] == [
        f"{INSTALLED_BINARY} run --config /etc/homewatch/config.yaml"]
    assert unit["StateDirectory"] == ["homewatch"]
    assert config.daemon.state_dir == Path("/var/lib/homewatch")
    assert config.models.dir.is_relative_to(config.daemon.state_dir)
    assert unit["LoadCredential"] == ["mqtt_password:/etc/homewatch/mqtt_password"]
    assert sorted(unit["DeviceAllow"]) == ["char-116 rw", "char-81 rw"]  # ALSA, video4linux
    assert unit["DevicePolicy"] == ["closed"]
    assert unit["SupplementaryGroups"] == ["video audio"]
    assert "PrivateDevices" not in unit  # it would hide /dev/video* and /dev/snd
    assert unit["CapabilityBoundingSet"] == [""]

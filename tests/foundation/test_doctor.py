"""`homewatch doctor` on a good setup (real broker with TLS and password, real model, real
video, a WAV microphone, the shipped unit's credential) and with one thing broken at a time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from homewatch.cli.main import main
from homewatch.config import Config, deep_merge
from homewatch.runtime.doctor import Finding, Status, diagnose, passed
from tests.conftest import AUDIO, DETECTOR, LABELS, MEDIA, REPO
from tests.support.broker import PASSWORD, USERNAME, Mosquitto
from tests.support.native import break_import
from tests.support.ports import free_port

UNIT = REPO / "systemd" / "homewatch.service"


def good_setup(tmp_path: Path, broker: Mosquitto) -> dict[str, Any]:
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(DETECTOR, models / DETECTOR.name)
    shutil.copy(LABELS, models / LABELS.name)
    return {
        "node": {"id": "doctortest"},
        "mqtt": {"host": "localhost", "port": broker.tls_port, "username": USERNAME,
                 "password": PASSWORD, "tls": {"enabled": True, "ca_file": str(broker.ca_file)}},
        "daemon": {"state_dir": str(tmp_path / "state")},
        "models": {"dir": str(models)},
        "cameras": [{"name": "hall", "source": str(MEDIA / "vtest.avi")}],
        "vision": {"detector": {"kind": "tflite"}},
        "voice": {"enabled": True, "source": {"type": "wav", "path": str(AUDIO / "c01_piper.wav")},
                  "recognizer": {"engine": "pocketsphinx"}},
    }


def unit_with_credential(tmp_path: Path, present: bool) -> Path:
    secret = tmp_path / "mqtt_password"
    if present:
        secret.write_text(PASSWORD)
    unit = tmp_path / "homewatch.service"
    unit.write_text(UNIT.read_text().replace("/etc/homewatch/mqtt_password", str(secret)))
    return unit


def run(data: dict[str, Any], unit: Path, **overrides: Any) -> dict[str, Finding]:
    config = Config.model_validate(deep_merge(data, overrides))
    findings = diagnose(config, environ={}, unit_files=[unit])
    return {f.check: f for f in findings}


def failed(findings: dict[str, Finding]) -> dict[str, Finding]:
    return {name: f for name, f in findings.items() if f.status is Status.FAIL}


@pytest.fixture
def setup(tmp_path: Path, mosquitto: Mosquitto) -> tuple[dict[str, Any], Path]:
    return good_setup(tmp_path, mosquitto), unit_with_credential(tmp_path, present=True)


def test_a_good_setup_passes_every_check(setup: tuple[dict[str, Any], Path]) -> None:
    data, unit = setup
    findings = run(data, unit)
    assert failed(findings) == {}
    assert findings["detector model"].status is Status.OK
    assert "sha256 verified, loads" in findings["detector model"].detail
    assert findings["camera hall"].detail.endswith("768x576 frame")
    assert findings["broker"].detail == f"localhost:{data['mqtt']['port']} (TLS) accepts " \
                                        f"as {USERNAME}"
    assert findings["credential mqtt_password"].status is Status.OK
    assert findings["state dir"].status is Status.OK
    assert findings["OpenCV"].status is Status.OK


def test_each_broken_piece_is_the_one_failure_with_its_fix(
        setup: tuple[dict[str, Any], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, unit = setup
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    labels_only = tmp_path / "labels-only"
    labels_only.mkdir()
    shutil.copy(LABELS, labels_only / LABELS.name)
    cases: dict[str, tuple[dict[str, Any], str]] = {
        "detector model": ({"vision": {"detector": {"model": "ssd-mobilenet-v1"}},
                            "models": {"dir": str(labels_only)}},
                           "homewatch models pull ssd-mobilenet-v1"),
        "state dir": ({"daemon": {"state_dir": str(blocker / "state")}}, "daemon.state_dir"),
        "broker": ({"mqtt": {"port": free_port(), "tls": {"enabled": False}}},
                   "systemctl status mosquitto"),
        "camera door": ({"cameras": [{"name": "door", "source": "/dev/video97"}]},
                        "v4l2-ctl --list-devices"),
    }
    for check, (overrides, fix) in cases.items():
        broken = failed(run(data, unit, **overrides))
        assert list(broken) == [check], (check, broken)
        assert fix in broken[check].fix

    wrong = tmp_path / "models" / DETECTOR.name
    damaged = bytearray(DETECTOR.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    wrong.write_bytes(bytes(damaged))
    broken = failed(run(data, unit))
    assert list(broken) == ["detector model"]
    assert "does not match the catalogue's sha256" in broken["detector model"].detail


def test_a_missing_credential_file_is_named(setup: tuple[dict[str, Any], Path],
                                            tmp_path: Path) -> None:
    data, _ = setup
    (tmp_path / "other").mkdir()
    missing = unit_with_credential(tmp_path / "other", present=False)
    broken = failed(run(data, missing))
    assert list(broken) == ["credential mqtt_password"]
    assert str(tmp_path / "other" / "mqtt_password") in broken["credential mqtt_password"].detail
    assert "243/CREDENTIALS" in broken["credential mqtt_password"].detail


def test_a_vosk_that_cannot_load_names_libatomic1(setup: tuple[dict[str, Any], Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data, unit = setup
    break_import(monkeypatch, "vosk")
    vosk = {"voice": {"recognizer": {"engine": "vosk", "vosk_model": str(AUDIO)}}}
    broken = failed(run(data, unit, **vosk))
    assert "Vosk" in broken
    assert "libatomic.so.1" in broken["Vosk"].detail
    assert broken["Vosk"].fix == "install the system library: sudo apt install libatomic1"
    # not configured: the same failure is only a warning
    assert run(data, unit)["Vosk"].status is Status.WARN


def test_a_clock_before_the_install_fails() -> None:
    findings = {f.check: f for f in diagnose(Config(), quick=True, environ={}, unit_files=[],
                                             now=0.0)}
    assert findings["clock"].status is Status.FAIL
    assert "timedatectl" in findings["clock"].fix


def test_cli_json_and_exit_status(setup: tuple[dict[str, Any], Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    data, unit = setup
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(data))
    assert main(["doctor", "--config", str(good), "--unit", str(unit), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and "fail" not in {c["status"] for c in report["checks"]}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(deep_merge(data, {"daemon": {"state_dir": str(bad / "x")}})))
    assert main(["doctor", "--config", str(bad), "--unit", str(unit)]) == 1
    text = capsys.readouterr().out
    assert "FAIL  state dir" in text and "fix: set daemon.state_dir" in text
    assert text.splitlines()[-1].startswith("1 problem(s), ")
    assert main(["doctor", "--config", str(good), "--unit", str(unit), "--quick"]) == 0
    quick = capsys.readouterr().out
    assert "broker" not in quick and "detector model" in quick
    assert passed([]) is True


def test_an_opencv_that_cannot_load_names_its_library(setup: tuple[dict[str, Any], Path],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    data, unit = setup
    break_import(monkeypatch, "cv2", ImportError(
        "libGL.so.1: cannot open shared object file: No such file or directory"))
    broken = failed(run(data, unit))
    assert broken["OpenCV"].fix == "install the system library: sudo apt install libgl1"

"""`homewatch models …` end to end through the real argument parser."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from homewatch.cli import main
from tests.conftest import DETECTOR, LABELS
from tests.models.conftest import FileServer


@pytest.fixture
def mirror(file_server: FileServer) -> FileServer:
    file_server.files["/ssd_mobilenet_v1_coco_quant.tflite"] = DETECTOR.read_bytes()
    file_server.files["/coco_labels.txt"] = LABELS.read_bytes()
    return file_server


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_pull_list_verify_path(mirror: FileServer, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path)
    code, out, _ = run(capsys, "models", "pull", "ssd-mobilenet-v1", "--dir", d,
                       "--mirror", mirror.url)
    assert code == 0
    assert "ssd-mobilenet-v1: downloaded, sha256 verified" in out
    assert "coco-labels: downloaded" in out
    code, out, _ = run(capsys, "models", "list", "--dir", d, "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["ssd-mobilenet-v1"]["installed"] is True
    assert rows["vosk-en-small"]["state"] == "absent"
    assert rows["vosk-en-lgraph"]["checksum"] == "required"
    code, out, _ = run(capsys, "models", "list", "--dir", d)
    assert "ssd-mobilenet-v1   detector    4.0 MiB  installed" in out
    assert run(capsys, "models", "verify", "--dir", d)[:2] == (
        0, "ssd-mobilenet-v1: OK\ncoco-labels: OK\n")
    code, out, _ = run(capsys, "models", "path", "ssd-mobilenet-v1", "--dir", d)
    assert out.strip() == str(tmp_path / "ssd_mobilenet_v1_coco_quant.tflite")
    (tmp_path / "coco_labels.txt").write_text("person\n")
    code, out, err = run(capsys, "models", "verify", "--dir", d)
    assert code == 1
    assert "coco-labels: CORRUPT" in out
    assert "homewatch models pull --force" in err


def test_missing_checksum_and_unknown_name_are_user_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "models", "pull", "vosk-en-lgraph", "--dir", str(tmp_path))
    assert code == 1
    assert "pass --sha256" in err
    code, _, err = run(capsys, "models", "pull", "nope", "--dir", str(tmp_path))
    assert code == 1
    assert "unknown model 'nope'" in err


def test_models_dir_comes_from_config_or_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"models:\n  dir: {tmp_path / 'from-config'}\n")
    _, out, _ = run(capsys, "models", "list", "-c", str(config))
    assert f"models directory: {tmp_path / 'from-config'}" in out
    monkeypatch.delenv("HOMEWATCH_CONFIG", raising=False)
    monkeypatch.setattr("homewatch.config.loader.DEFAULT_CONFIG_PATH", tmp_path / "absent.yaml")
    monkeypatch.setenv("HOMEWATCH_MODELS__DIR", str(tmp_path / "from-env"))
    _, out, _ = run(capsys, "models", "list")
    assert f"models directory: {tmp_path / 'from-env'}" in out


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_directory_is_a_clear_error(
        mirror: FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o500)
    try:
        code, _, err = run(capsys, "models", "pull", "coco-labels", "--dir", str(locked / "m"),
                           "--mirror", mirror.url)
    finally:
        locked.chmod(0o700)
    assert code == 1
    assert "cannot write to" in err


def test_models_dir_that_is_a_file_is_a_clear_error(
        mirror: FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "models"
    blocker.write_text("not a directory")
    code, _, err = run(capsys, "models", "pull", "coco-labels", "--dir", str(blocker),
                       "--mirror", mirror.url)
    assert code == 1
    assert f"cannot install coco-labels into {blocker}" in err
    assert blocker.read_text() == "not a directory"

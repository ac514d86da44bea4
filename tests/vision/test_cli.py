"""`homewatch analyze` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from homewatch.cli import main
from tests.conftest import DETECTOR, MEDIA


def test_analyze_writes_events_and_summary(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", str(MEDIA / "messi5.jpg"), "--model", str(DETECTOR),
                 "--out", str(tmp_path), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["frames_analysed"] == 1 and summary["events"] == {"person": 1}
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["type"] for e in events] == ["new", "end"]
    assert events[0]["snapshot"] == "video/snapshot"  # the topic that showed it
    assert (tmp_path / f"{events[0]['id']}.jpg").read_bytes()[:2] == b"\xff\xd8"


def test_analyze_table_and_progress(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(MEDIA / "tree.avi"), "--model", str(DETECTOR)]) == 0
    out, err = capsys.readouterr()
    assert "frames analysed" in out and "events              none" in out
    assert "analysing [" in err


def test_analyze_missing_file_is_an_error(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(tmp_path / "missing.mp4"), "--quiet"]) == 1
    assert "media file not found" in capsys.readouterr().err

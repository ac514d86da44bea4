"""The README's demo command, as a user runs it: embedded broker, sample clip, spoken question."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_demo_answers_the_spoken_question_and_ends_by_itself() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "homewatch", "demo", "--seconds", "60"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "homewatch/demo/status  online" in out
    assert '"type": "new"' in out and '"label": "person"' in out
    assert "question: 'is anyone at the front door'" in out  # the wake phrase left out
    assert "answer:   'Yes," in out and "at the front door" in out
    assert "<Home Assistant discovery:" in out
    assert "homewatch/demo/status  offline" in out
    assert "demo finished" in out

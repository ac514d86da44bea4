"""Fixtures shared by every test: paths to the real media, models and audio."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HOMEWATCH_SHARED", REPO.parent / "shared"))
MEDIA = SHARED / "media"
AUDIO = SHARED / "audio" / "commands"
DETECTOR = SHARED / "models" / "ssd_mobilenet_v1_coco_quant.tflite"
LABELS = SHARED / "models" / "coco_labels.txt"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared data not found at {SHARED}; set HOMEWATCH_SHARED")
    return SHARED


@pytest.fixture
def mosquitto(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real Mosquitto on free loopback ports (plain + TLS/password), stopped after the test."""
    from tests.support.broker import Mosquitto

    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.stop()

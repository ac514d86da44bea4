"""Fixtures shared by every test: paths to the real media, models and audio."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.data import AUDIO, DETECTOR, LABELS, MEDIA, REPO, SHARED, missing_test_data

__all__ = ["AUDIO", "DETECTOR", "LABELS", "MEDIA", "REPO", "SHARED"]


def pytest_sessionstart(session: pytest.Session) -> None:
    problem = missing_test_data()
    if problem is not None:
        pytest.exit(problem, returncode=1)


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

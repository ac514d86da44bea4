"""Fixtures shared by every test: paths to the real media, models and audio; a real broker.

Async code runs through `asyncio.run` inside plain test functions (no async test functions,
no plugin); state that nothing signals is awaited with `tests.support.waiting.eventually`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.data import AUDIO, DETECTOR, LABELS, MEDIA, REPO, SHARED, missing_test_data

if TYPE_CHECKING:
    from tests.support.broker import Mosquitto

__all__ = ["AUDIO", "DETECTOR", "LABELS", "MEDIA", "REPO", "SHARED"]


def pytest_sessionstart(session: pytest.Session) -> None:
    problem = missing_test_data()
    if problem is not None:
        pytest.exit(problem, returncode=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that starts Mosquitto is marked `broker`, so `-m "not broker"` skips it."""
    for item in items:
        if "mosquitto" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.broker)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> None:
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        pytest.fail(f"{pyfuncitem.name} is an `async def` test: make it a plain function that "
                    "runs its async part with asyncio.run(...)", pytrace=False)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared data not found at {SHARED}; set HOMEWATCH_SHARED")
    return SHARED


@pytest.fixture
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """A real Mosquitto on reserved loopback ports (plain + TLS/password), stopped after the
    test."""
    from tests.support.broker import Mosquitto  # trustme: not in the minimal legacy env

    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto"))
    try:
        broker.start()
        yield broker
    finally:
        broker.close()

"""`eventually`: wait for state that a thread, a subprocess or the broker changes.

Prefer an event to await (an `asyncio.Event`, `Recorder.wait_for`, a task's result); poll
only where nothing signals the change. Polling has a deadline and fails saying what it
waited for, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 30.0
POLL_EVERY_S = 0.02


async def eventually(condition: Callable[[], T], *, timeout: float = DEFAULT_TIMEOUT_S,
                     what: str | None = None) -> T:
    """Poll `condition` until it returns something truthy and return that value.

    Raises AssertionError after `timeout` seconds naming the condition (`what`, else its
    source) and the last value it returned.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if loop.time() >= deadline:
            raise AssertionError(f"not true within {timeout:g} s: {what or describe(condition)}"
                                 f" (last value: {value!r})")
        await asyncio.sleep(POLL_EVERY_S)


def describe(condition: Callable[..., object]) -> str:
    """The condition's source text (`lambda: ...`), else its name."""
    try:
        source = inspect.getsource(condition).strip()
    except (OSError, TypeError):
        return getattr(condition, "__qualname__", repr(condition))
    start = source.find("lambda")
    text = " ".join((source[start:] if start >= 0 else source).split())
    return text if len(text) <= 200 else text[:197] + "..."

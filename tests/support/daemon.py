"""Run the real daemon for the length of a test's body."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from homewatch.runtime.daemon import Supervisor
from tests.support.mqtt import Recorder


def run_daemon(supervisor: Supervisor, body: Callable[[], Awaitable[None]],
               recorder: Recorder | None = None) -> None:
    """Start `supervisor`, await `body`, stop it as SIGTERM would, and check it exited 0;
    `recorder` is closed afterwards either way."""

    async def main() -> int:
        daemon = asyncio.create_task(supervisor.run())
        try:
            await body()
        finally:
            supervisor.request_stop()
        return await daemon

    try:
        assert asyncio.run(main()) == 0
    finally:
        if recorder is not None:
            recorder.close()

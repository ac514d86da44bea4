"""What the supervisor needs from every long-lived subsystem."""

from __future__ import annotations

from typing import Protocol


class Service(Protocol):
    """A long-lived part of the daemon, run as one task of the supervisor's TaskGroup.

    `run` returns only when cancelled (SIGTERM) and must leave no thread behind;
    `healthy` gates the systemd watchdog, so it must be cheap and honest (loops alive).
    """

    name: str

    async def run(self) -> None: ...

    def healthy(self) -> bool: ...

"""Loopback ports for servers started by the tests, without a race.

`free_port()` binds port 0 and lets go: by the time a server binds the number, another
process may own it. `PortReservation` keeps the port instead: its socket stays bound (with
SO_REUSEADDR, never listening), so the kernel gives the number to no one else, neither to
`bind(0)` nor as a client's ephemeral port, while a server that also sets SO_REUSEADDR
(Mosquitto does) can still listen on it. Hold the reservation for as long as the server may
(re)start on that port, and close it afterwards.
"""

from __future__ import annotations

import socket
import time
from types import TracebackType

LOOPBACK = "127.0.0.1"


class PortReservation:
    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((LOOPBACK, 0))
        self.port: int = self._sock.getsockname()[1]

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> PortReservation:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def free_port() -> int:
    """A loopback port nothing listens on right now, e.g. for a broker that is down.

    Racy for a server to bind later: use `PortReservation` for that.
    """
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    """Block until something accepts connections on the loopback `port` (for servers that
    signal readiness no other way)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listening on {LOOPBACK}:{port}")

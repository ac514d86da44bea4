"""sd_notify(3) without dependencies: readiness, status, watchdog and stopping messages.

Messages are single datagrams to the AF_UNIX socket named by `$NOTIFY_SOCKET` (a path, or an
abstract socket written with a leading `@`). Without that variable every call is a no-op, so
the same code runs under systemd, in a terminal and in tests.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


def _socket_address(value: str | None) -> str | bytes | None:
    if not value:
        return None
    if value.startswith("@"):
        return b"\0" + value[1:].encode()  # abstract namespace
    if value.startswith("/"):
        return value
    return None  # vsock and other schemes are not used on a Pi


def _watchdog_seconds(environ: Mapping[str, str]) -> float | None:
    pid = environ.get("WATCHDOG_PID")
    if pid and pid.strip() != str(os.getpid()):
        return None  # the watchdog is meant for another process (e.g. our parent)
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 1_000_000 if usec > 0 else None


class Notifier:
    """Talks to the service manager; never raises into the caller.

    A failed send is logged once (then at debug level) and dropped: the daemon must not
    stop because the manager's queue is full or the socket went away.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        raw = env.get("NOTIFY_SOCKET")
        self._name = raw or ""
        self._address = _socket_address(raw)
        if raw and self._address is None:
            log.warning("NOTIFY_SOCKET=%r is not supported; sd_notify disabled", raw)
        self._watchdog = _watchdog_seconds(env)
        self._socket: socket.socket | None = None
        self._warned = False

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def ready(self, status: str | None = None) -> bool:
        fields = ["READY=1"] + ([_status_field(status)] if status is not None else [])
        return self.notify(*fields)

    def status(self, text: str) -> bool:
        return self.notify(_status_field(text))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self, status: str | None = None) -> bool:
        fields = ["STOPPING=1"] + ([_status_field(status)] if status is not None else [])
        return self.notify(*fields)

    def extend_timeout(self, seconds: float) -> bool:
        """Ask for more time to start or stop (EXTEND_TIMEOUT_USEC)."""
        return self.notify(f"EXTEND_TIMEOUT_USEC={max(0, int(seconds * 1_000_000))}")

    def watchdog_interval(self) -> float | None:
        """How often to send WATCHDOG=1 (half the manager's timeout), or None if not asked."""
        return None if self._watchdog is None else self._watchdog / 2

    def notify(self, *fields: str) -> bool:
        """Send `KEY=value` fields as one datagram; True when it was handed to the manager."""
        if self._address is None or not fields:
            return False
        message = "\n".join(fields).encode()
        try:
            if self._socket is None:
                kind = socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
                self._socket = socket.socket(socket.AF_UNIX, kind)
                self._socket.setblocking(False)  # a full manager queue must not block the loop
            self._socket.sendto(message, self._address)
        except OSError as exc:
            self._report(exc)
            return False
        return True

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _report(self, exc: OSError) -> None:
        if self._warned:
            log.debug("sd_notify failed again: %s", exc)
            return
        self._warned = True
        log.warning("sd_notify to %s failed (%s); further failures are logged at debug level",
                    self._name, exc)


def _status_field(text: str) -> str:
    return "STATUS=" + " ".join(text.splitlines())

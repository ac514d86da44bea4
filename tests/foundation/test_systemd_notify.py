"""sd_notify against a real AF_UNIX datagram socket standing in for the service manager."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from homewatch.runtime.systemd import Notifier


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    yield sock, str(path)
    sock.close()


def received(sock: socket.socket) -> list[str]:
    return sock.recv(4096).decode().split("\n")


def test_lifecycle_messages_arrive(manager: tuple[socket.socket, str]) -> None:
    sock, path = manager
    notifier = Notifier({"NOTIFY_SOCKET": path})
    assert notifier.enabled
    assert notifier.ready(status="watching 2 cameras")
    assert received(sock) == ["READY=1", "STATUS=watching 2 cameras"]
    assert notifier.watchdog()
    assert received(sock) == ["WATCHDOG=1"]
    assert notifier.status("broker down\nretrying in 4 s")
    assert received(sock) == ["STATUS=broker down retrying in 4 s"]
    assert notifier.extend_timeout(2.5)
    assert received(sock) == ["EXTEND_TIMEOUT_USEC=2500000"]
    assert notifier.stopping()
    assert received(sock) == ["STOPPING=1"]
    notifier.close()


def test_abstract_socket() -> None:
    name = f"homewatch-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    sock.settimeout(2)
    notifier = Notifier({"NOTIFY_SOCKET": "@" + name})
    try:
        assert notifier.ready()
        assert received(sock) == ["READY=1"]
    finally:
        notifier.close()
        sock.close()


def test_no_socket_is_a_no_op() -> None:
    notifier = Notifier({})
    assert not notifier.enabled
    assert not notifier.ready()
    assert not notifier.watchdog()
    assert notifier.watchdog_interval() is None


def test_unsupported_address_disables(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="homewatch.runtime.systemd"):
        notifier = Notifier({"NOTIFY_SOCKET": "vsock:2:1234"})
    assert not notifier.enabled
    assert not notifier.ready()
    assert "not supported" in caplog.text


def test_send_failure_never_raises_and_logs_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})
    with closing(notifier), caplog.at_level(logging.DEBUG, logger="homewatch.runtime.systemd"):
        assert not notifier.ready()
        assert not notifier.watchdog()
        assert not notifier.stopping()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "gone.sock" in warnings[0].getMessage()


def test_recovers_when_the_socket_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "late.sock"
    notifier = Notifier({"NOTIFY_SOCKET": str(path)})
    assert not notifier.ready()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    try:
        assert notifier.watchdog()
        assert received(sock) == ["WATCHDOG=1"]
    finally:
        notifier.close()
        sock.close()


@pytest.mark.parametrize(("env", "expected"), [
    ({"WATCHDOG_USEC": "30000000"}, 15.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 15.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "soon"}, None),
    ({}, None),
])
def test_watchdog_interval(env: dict[str, str], expected: float | None) -> None:
    assert Notifier({"NOTIFY_SOCKET": "/run/systemd/notify", **env}).watchdog_interval() == expected

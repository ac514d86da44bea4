"""A real Mosquitto broker for tests: plain listener, TLS+password listener, stop/start.

Ports without a race: Mosquitto cannot pick its own TCP port (`listener 0` means a unix
socket), so the fixture reserves two loopback ports (`PortReservation`: bound, never
listening) for the broker's whole life, stops and restarts included. Mosquitto binds them
beside the reservation (both sides set SO_REUSEADDR); no other process can take them. A start
counts only when Mosquitto logs `running`, which it does after all its listeners are bound;
if it exits first, the error names the reason from its log.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

import trustme

from tests.support.ports import PortReservation

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
USERNAME = "homewatch"
PASSWORD = "s3cret-Pa55word"
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
TERM_RETRY_S = 0.5


class Mosquitto:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._reservations = (PortReservation(), PortReservation())
        self.port = self._reservations[0].port
        self.tls_port = self._reservations[1].port
        self.proc: subprocess.Popen[str] | None = None
        self._log_copier: threading.Thread | None = None
        self.log = workdir / "mosquitto.log"
        self.ca_file = workdir / "ca.pem"
        self.conf = workdir / "mosquitto.conf"
        self._write_config()

    def _write_config(self) -> None:
        ca = trustme.CA()
        cert = ca.issue_cert("localhost", "127.0.0.1")
        ca.cert_pem.write_to_path(str(self.ca_file))
        cert.cert_chain_pems[0].write_to_path(str(self.workdir / "server.pem"))
        cert.private_key_pem.write_to_path(str(self.workdir / "server.key"))
        passwords = self.workdir / "passwd"
        passwords.touch()
        subprocess.run(["mosquitto_passwd", "-b", str(passwords), USERNAME, PASSWORD], check=True)
        self.conf.write_text(
            "user root\nper_listener_settings true\n"
            f"persistence true\npersistence_location {self.workdir}/\n"
            "max_inflight_messages 0\nmax_queued_messages 100000\n"
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"listener {self.tls_port} 127.0.0.1\nallow_anonymous false\n"
            f"password_file {passwords}\n"
            f"cafile {self.ca_file}\ncertfile {self.workdir / 'server.pem'}\n"
            f"keyfile {self.workdir / 'server.key'}\n"
        )

    def start(self) -> None:
        """Start Mosquitto and return once both listeners are bound."""
        proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.proc = proc
        running, started = threading.Event(), threading.Event()
        assert proc.stderr is not None
        self._log_copier = threading.Thread(target=self._copy_log,
                                            args=(proc.stderr, running, started),
                                            name="mosquitto-log", daemon=True)
        self._log_copier.start()
        started.wait(START_TIMEOUT_S)
        if not running.is_set():
            self.stop()
            tail = self.log.read_text(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError(f"mosquitto did not start on ports {self.port}/{self.tls_port}: "
                               + " | ".join(tail))

    def _copy_log(self, stream: IO[str], running: threading.Event,
                  started: threading.Event) -> None:
        """Append Mosquitto's log to `mosquitto.log`; `started` is set once it runs
        (`running` too) or exits."""
        with stream, self.log.open("a") as log:
            for line in stream:
                log.write(line)
                log.flush()
                if line.rstrip().endswith(" running"):
                    running.set()
                    started.set()
        started.set()

    def stop(self) -> None:
        proc, copier, self.proc, self._log_copier = self.proc, self._log_copier, None, None
        if proc is None:
            return
        try:
            _terminate(proc)
        finally:
            if copier is not None:
                copier.join(STOP_TIMEOUT_S)

    def close(self) -> None:
        """Stop the broker and give its ports back."""
        try:
            self.stop()
        finally:
            for reservation in self._reservations:
                reservation.close()


def _terminate(proc: subprocess.Popen[str]) -> None:
    """SIGTERM, repeated until Mosquitto exits: it sets its run flag only after logging
    `running`, so a SIGTERM that lands in between is forgotten."""
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while proc.poll() is None and time.monotonic() < deadline:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(TERM_RETRY_S)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"mosquitto ignored SIGTERM for {STOP_TIMEOUT_S:g} s; killed "
                           "(its persisted sessions are lost)")

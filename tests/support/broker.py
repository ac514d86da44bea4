"""A real Mosquitto broker for tests: plain listener, TLS+password listener, stop/start."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import trustme

from homewatch.runtime.demo import free_port

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
USERNAME = "homewatch"
PASSWORD = "s3cret-Pa55word"


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


@dataclass
class Mosquitto:
    workdir: Path
    port: int = field(default_factory=free_port)
    tls_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        ca = trustme.CA()
        cert = ca.issue_cert("localhost", "127.0.0.1")
        self.ca_file = self.workdir / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        cert.cert_chain_pems[0].write_to_path(str(self.workdir / "server.pem"))
        cert.private_key_pem.write_to_path(str(self.workdir / "server.key"))
        passwords = self.workdir / "passwd"
        passwords.touch()
        subprocess.run(["mosquitto_passwd", "-b", str(passwords), USERNAME, PASSWORD], check=True)
        self.conf = self.workdir / "mosquitto.conf"
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
        log = (self.workdir / "mosquitto.log").open("ab")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=log, stderr=log)
        wait_for_port(self.port)
        wait_for_port(self.tls_port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

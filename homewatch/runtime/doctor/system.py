"""The machine: Python and platform, the state directory, the clock, systemd credentials."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import homewatch
from homewatch.config.loader import CREDENTIALS
from homewatch.runtime.doctor.findings import Finding, fail, ok, skip, warn

MIN_PYTHON = (3, 11)
MIN_FREE_MB = 100
LOW_FREE_MB = 500
# No release of homewatch predates this; a Pi without a real-time clock boots earlier.
CLOCK_FLOOR = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
UNIT_PATHS = (Path("/etc/systemd/system/homewatch.service"),
              Path("/usr/lib/systemd/system/homewatch.service"),
              Path("/lib/systemd/system/homewatch.service"))


def check_python() -> Finding:
    version = platform.python_version()
    pages = os.sysconf("SC_PAGE_SIZE") // 1024
    detail = (f"Python {version} ({platform.python_implementation()}) on {platform.system()} "
              f"{platform.machine()}, kernel {platform.release()}, {pages} KiB pages")
    if sys.version_info[:2] < MIN_PYTHON:
        return fail("python", detail, "homewatch needs Python 3.11 or newer "
                    "(Raspberry Pi OS bookworm or Debian 12+)")
    return ok("python", detail)


def check_state_dir(state_dir: Path) -> Finding:
    fix = ("systemd's StateDirectory=homewatch creates and owns it for the service; to run by "
           f"hand: sudo install -d -o \"$USER\" {state_dir}, or set daemon.state_dir")
    if not state_dir.exists():
        return _future_state_dir(state_dir, fix)
    try:
        with tempfile.NamedTemporaryFile(dir=state_dir, prefix=".doctor-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        return fail("state dir", f"{state_dir} is not writable: {exc.strerror or exc}", fix)
    free_mb = shutil.disk_usage(state_dir).free // 2**20
    detail = f"{state_dir} writable, {free_mb} MB free"
    if free_mb < MIN_FREE_MB:
        return fail("state dir", detail, "free some space (the outbox and event history "
                    "live here)")
    if free_mb < LOW_FREE_MB:
        return warn("state dir", detail, "little space left for the outbox and history")
    return ok("state dir", detail)


def _future_state_dir(state_dir: Path, fix: str) -> Finding:
    parent = next((p for p in state_dir.parents if p.exists()), Path("/"))
    if not parent.is_dir():
        return fail("state dir", f"{state_dir} cannot be created: {parent} is not a "
                    "directory", "set daemon.state_dir to a directory path")
    if os.access(parent, os.W_OK):
        return ok("state dir", f"{state_dir} does not exist yet; it will be created")
    return warn("state dir", f"{state_dir} does not exist yet", fix)


def check_clock(now: float | None = None) -> Finding:
    now = time.time() if now is None else now
    # an installed package cannot be older than its own files
    floor = max(CLOCK_FLOOR, Path(homewatch.__file__).stat().st_mtime - 86400)
    shown = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if now < floor:
        return fail("clock", f"{shown} is in the past (before this install)",
                    "the Pi has no real-time clock: let NTP set it (`timedatectl status`, "
                    "systemd-timesyncd), or add an RTC; TLS and event times need it")
    return ok("clock", shown)


def unit_credentials(unit_files: Sequence[Path]) -> dict[str, Path]:
    """LoadCredential= of the installed unit and its drop-ins (an empty one resets)."""
    found: dict[str, Path] = {}
    for unit in unit_files:
        for raw in unit.read_text().splitlines():
            key, _, value = raw.strip().partition("=")
            if key.strip() != "LoadCredential":
                continue
            if not value.strip():
                found.clear()
                continue
            name, _, source = value.strip().partition(":")
            found[name] = Path(source or name)
    return found


def installed_unit(paths: Sequence[Path] = UNIT_PATHS) -> list[Path]:
    """The first installed unit file with its drop-ins, or nothing."""
    for path in paths:
        if path.is_file():
            dropins = sorted(Path(f"{path}.d").glob("*.conf"))
            return [path, *dropins]
    return []


def check_credentials(unit_files: Sequence[Path], environ: Mapping[str, str]) -> list[Finding]:
    """Each credential file the unit loads must exist, or systemd fails the start with
    status=243/CREDENTIALS before homewatch runs."""
    directory = environ.get("CREDENTIALS_DIRECTORY")
    if directory:  # running under systemd: what it handed over
        given = sorted(n for n in CREDENTIALS if Path(directory, n).is_file())
        return [ok("credentials", f"from systemd: {', '.join(given) or 'none'}")]
    if not unit_files:
        return [skip("credentials", "no installed homewatch.service")]
    wanted = unit_credentials(unit_files)
    if not wanted:
        return [ok("credentials", f"{unit_files[0]} loads none")]
    return [_credential(name, path) for name, path in sorted(wanted.items())]


def _credential(name: str, path: Path) -> Finding:
    check = f"credential {name}"
    if path.is_file():
        return ok(check, str(path))
    return fail(check, f"{path} is missing: the service would stop with "
                "status=243/CREDENTIALS", f"create it (sudo install -m 600 /dev/null {path}, "
                "then write the secret into it), or drop the LoadCredential= line with "
                "`sudo systemctl edit homewatch` (LoadCredential= resets the list)")

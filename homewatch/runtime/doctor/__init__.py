"""`homewatch doctor`: every check a Pi needs to run homewatch, each with the fix.

The full run loads every native library, verifies model checksums, grabs a frame from each
camera, opens the microphone and connects to the broker. The quick run (for the unit's
ExecStartPre) keeps to what is cheap: platform, state directory, clock, credentials and that
the models are there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from homewatch.config import Config
from homewatch.runtime.doctor.devices import check_broker, check_cameras, check_microphone
from homewatch.runtime.doctor.findings import Finding, Status
from homewatch.runtime.doctor.libraries import check_libraries
from homewatch.runtime.doctor.models import check_models
from homewatch.runtime.doctor.system import (
    check_clock,
    check_credentials,
    check_python,
    check_state_dir,
    installed_unit,
)

__all__ = ["Finding", "Status", "diagnose", "passed"]


def diagnose(config: Config, *, quick: bool = False, environ: Mapping[str, str] | None = None,
             unit_files: Sequence[Path] | None = None, now: float | None = None
             ) -> list[Finding]:
    env = os.environ if environ is None else environ
    units = installed_unit() if unit_files is None else unit_files
    findings = [check_python()]
    if not quick:
        findings += check_libraries(config)
    findings += check_models(config, quick=quick)
    findings += [check_state_dir(config.daemon.state_dir), check_clock(now)]
    findings += check_credentials(units, env)
    if not quick:
        findings += [*check_cameras(config), check_microphone(config), check_broker(config)]
    return findings


def passed(findings: Sequence[Finding]) -> bool:
    return not any(f.status is Status.FAIL for f in findings)

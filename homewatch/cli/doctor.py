"""`homewatch doctor [--quick] [--json]`: one line per check, with the fix for each failure."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from homewatch.cli.options import config_arg, load_config_of
from homewatch.core.errors import EX_FAILURE, EX_OK
from homewatch.runtime.doctor import Finding, Status, diagnose, passed

MARKS = {Status.OK: "ok", Status.WARN: "WARN", Status.FAIL: "FAIL", Status.SKIP: "--"}
NAME_WIDTH = 22


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = sub.add_parser("doctor", help="check this machine can run homewatch; exit 0 when "
                            "every check passes")
    config_arg(doctor, required=False)
    doctor.add_argument("--quick", action="store_true", help="only the cheap checks (platform, "
                        "models present, state dir, clock, credentials), e.g. for ExecStartPre")
    doctor.add_argument("--json", action="store_true", help="machine-readable output")
    doctor.add_argument("--unit", type=Path, action="append", help="systemd unit file(s) whose "
                        "LoadCredential= files are checked (default: the installed one)")
    doctor.set_defaults(handler=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    config = load_config_of(args, required=False)
    findings = diagnose(config, quick=args.quick, unit_files=args.unit)
    if args.json:
        print(json.dumps({"ok": passed(findings), "quick": args.quick,
                          "checks": [f.to_json() for f in findings]}, indent=2))
    else:
        print(render(findings))
    return EX_OK if passed(findings) else EX_FAILURE


def render(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{MARKS[f.status]:>4}  {f.check:<{NAME_WIDTH}} {f.detail}")
        if f.fix and f.status in (Status.FAIL, Status.WARN):
            lines.append(f"{'':>4}  {'':<{NAME_WIDTH}} fix: {f.fix}")
    failed = sum(f.status is Status.FAIL for f in findings)
    warned = sum(f.status is Status.WARN for f in findings)
    lines.append(f"{failed} problem(s), {warned} warning(s)" if failed or warned
                 else "all checks passed")
    return "\n".join(lines)

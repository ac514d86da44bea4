"""One line of the doctor's report: what was checked, how it went, and the fix."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # works, with a remark (a fallback, a missing optional piece)
    FAIL = "fail"
    SKIP = "skip"  # not used by this configuration, or not checked in quick mode


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": str(self.status)}


def ok(check: str, detail: str) -> Finding:
    return Finding(check, Status.OK, detail)


def fail(check: str, detail: str, fix: str) -> Finding:
    return Finding(check, Status.FAIL, detail, fix)


def warn(check: str, detail: str, fix: str = "") -> Finding:
    return Finding(check, Status.WARN, detail, fix)


def skip(check: str, detail: str) -> Finding:
    return Finding(check, Status.SKIP, detail)


def needed(check: str, used: bool, detail: str, fix: str) -> Finding:
    """A failure when the configuration uses the piece, else only a warning."""
    return fail(check, detail, fix) if used else warn(check, f"{detail} (not used now)", fix)

"""Arm and disarm, with the PIN check, a lockout that survives restarts, and a state file that
fails closed: a damaged `alarm.json` starts the alarm armed, never silently disarmed."""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from homewatch.core.statefile import JsonStateFile, StateDamaged
from homewatch.understanding.config import AlarmConfig

log = logging.getLogger(__name__)
State = Literal["disarmed", "armed_home", "armed_away"]
Armed = Literal["armed_home", "armed_away"]
Reason = Literal["ok", "no_code", "wrong_code", "locked", "not_configured"]
STATES: tuple[State, ...] = ("disarmed", "armed_home", "armed_away")
VERSION = 1
MAX_SPANS = 50  # armed spans kept for "while I was out" and "while armed"


class ArmedSpan(BaseModel):
    """One time the alarm was armed: from `start` until `end` (None: still armed)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    mode: Armed
    start: float
    end: float | None = None


class AlarmRecord(BaseModel):
    """What `alarm.json` holds. Times are wall-clock seconds so a lockout outlives a restart."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    state: State
    last_armed: Armed | None = None
    failures: int = Field(default=0, ge=0)
    lockouts: int = Field(default=0, ge=0)
    locked_until: float = 0.0
    spans: tuple[ArmedSpan, ...] = ()


def parse_record(data: Any) -> AlarmRecord:
    if not isinstance(data, dict):
        raise TypeError(f"expected an object, found {type(data).__name__}")
    fields = {k: v for k, v in data.items() if k != "version"}  # version 0 had only "state"
    if isinstance(fields.get("locked_until"), int):
        fields["locked_until"] = float(fields["locked_until"])
    if isinstance(fields.get("spans"), list):
        fields["spans"] = tuple(fields["spans"])
    return AlarmRecord.model_validate(fields)


def salvage_armed(raw: bytes) -> Armed | None:
    """The last armed mode legible in a damaged file, if any."""
    found = re.findall(rb"armed_(home|away)", raw)
    return None if not found else ("armed_home" if found[-1] == b"home" else "armed_away")


@dataclass(frozen=True, slots=True)
class AlarmResult:
    ok: bool
    state: State
    reason: Reason = "ok"
    retry_in: float = 0.0


@dataclass(frozen=True, slots=True)
class Refusal:
    """The last refused change, for Home Assistant."""

    action: str
    source: str
    reason: Reason
    retry_in: float
    ts: float

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "source": self.source, "reason": self.reason,
                "retry_in": round(self.retry_in), "ts": round(self.ts, 3)}


class Alarm:
    """The alarm state machine. Codes are compared in constant time and never logged.

    After `max_attempts` wrong codes the alarm locks for `lockout_s`, doubling with every
    further lockout up to `max_lockout_s`; a right code resets it."""

    def __init__(self, config: AlarmConfig, path: Path,
                 clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._file = JsonStateFile(path, VERSION)
        self._clock = clock
        self.last_refusal: Refusal | None = None
        self.damaged = False
        self._record = self._load()

    @property
    def state(self) -> State:
        return self._record.state

    @property
    def locked_until(self) -> float:
        return self._record.locked_until

    def _load(self) -> AlarmRecord:
        try:
            record = self._file.load(parse_record)
        except StateDamaged as exc:
            return self._fail_closed(exc)
        return record or AlarmRecord(state="disarmed")

    def _fail_closed(self, exc: StateDamaged) -> AlarmRecord:
        self.damaged = True
        configured = self._config.on_damage
        salvaged = salvage_armed(exc.raw)
        state: Armed = (salvaged or "armed_away") if configured == "last_armed" else configured
        kept = f"moved to {exc.moved_to.name}" if exc.moved_to else "could not be moved aside"
        log.error("alarm state %s is damaged (%s); it was %s; the alarm starts %s (%s)",
                  exc.path, exc.reason, kept, state,
                  f"alarm.on_damage: {configured}" if configured != "last_armed" else
                  "the last armed mode legible in it" if salvaged else
                  "no armed mode legible in it")
        record = AlarmRecord(state=state, last_armed=state)
        self._save(record)
        return record

    def _save(self, record: AlarmRecord) -> None:
        self._record = record
        self._file.save(record.model_dump())

    def _update(self, **changes: Any) -> None:
        self._save(self._record.model_copy(update=changes))

    def arm(self, mode: State, code: str | None, source: str) -> AlarmResult:
        if self._config.code_arm_required:
            refused = self._check(code, source, "arm")
            if refused:
                return refused
        armed = mode if mode != "disarmed" else None
        self._update(state=mode, last_armed=armed or self._record.last_armed,
                     spans=self._spans(armed))
        log.info("alarm %s by %s", mode, source)
        return AlarmResult(True, self.state)

    def disarm(self, code: str | None, source: str, require_code: bool = True) -> AlarmResult:
        """`require_code=False` only for trusted channels when no code is configured."""
        if self._config.code is None and not require_code:
            return self._set_disarmed(source)
        refused = self._check(code, source, "disarm")
        return refused or self._set_disarmed(source)

    def _spans(self, armed: Armed | None) -> tuple[ArmedSpan, ...]:
        """The armed spans after changing to `armed` (None: disarmed) now."""
        spans = list(self._record.spans)
        if spans and spans[-1].end is None:
            if spans[-1].mode == armed:
                return tuple(spans)
            spans[-1] = spans[-1].model_copy(update={"end": self._clock()})
        if armed is not None:
            spans.append(ArmedSpan(mode=armed, start=self._clock()))
        return tuple(spans[-MAX_SPANS:])

    def armed_spans(self) -> tuple[ArmedSpan, ...]:
        """When the alarm was armed (oldest first; the last may still be open)."""
        return self._record.spans

    def _set_disarmed(self, source: str) -> AlarmResult:
        self._update(state="disarmed", spans=self._spans(None))
        log.info("alarm disarmed by %s", source)
        return AlarmResult(True, self.state)

    def _check(self, code: str | None, source: str, action: str) -> AlarmResult | None:
        """None when the code is right; else why not (and count the failure)."""
        result = self._judge(code, source, action)
        if result is not None:
            self.last_refusal = Refusal(action, source, result.reason, result.retry_in,
                                        self._clock())
        return result

    def _judge(self, code: str | None, source: str, action: str) -> AlarmResult | None:
        now = self._clock()
        record = self._record
        if now < record.locked_until:
            log.warning("alarm %s from %s refused: locked for %.0f s", action, source,
                        record.locked_until - now)
            return AlarmResult(False, self.state, "locked", record.locked_until - now)
        secret = self._config.code
        if secret is None:
            log.warning("alarm %s from %s refused: no alarm code configured", action, source)
            return AlarmResult(False, self.state, "not_configured")
        if not code:
            log.warning("alarm %s from %s refused: no code given", action, source)
            return AlarmResult(False, self.state, "no_code")
        if hmac.compare_digest(code.encode(), secret.get_secret_value().encode()):
            if record.failures or record.lockouts:
                self._update(failures=0, lockouts=0, locked_until=0.0)
            return None
        return self._wrong_code(now, source, action)

    def _wrong_code(self, now: float, source: str, action: str) -> AlarmResult:
        attempts = self._record.failures + 1
        log.warning("alarm %s from %s refused: wrong code (attempt %d of %d)", action, source,
                    attempts, self._config.max_attempts)
        if attempts < self._config.max_attempts:
            self._update(failures=attempts)
            return AlarmResult(False, self.state, "wrong_code")
        lockouts = self._record.lockouts + 1
        duration = min(self._config.max_lockout_s,
                       self._config.lockout_s * 2 ** min(lockouts - 1, 30))
        self._update(failures=0, lockouts=lockouts, locked_until=now + duration)
        log.warning("alarm locked for %.0f s after %d wrong codes (lockout %d)", duration,
                    attempts, lockouts)
        return AlarmResult(False, self.state, "locked", duration)

    def attributes(self) -> dict[str, Any]:
        """The panel's `json_attributes`: why the last change was refused, and any lockout."""
        remaining = max(0.0, self._record.locked_until - self._clock())
        return {"last_refusal": self.last_refusal.to_json() if self.last_refusal else None,
                "locked": remaining > 0, "locked_for_s": round(remaining),
                "wrong_codes": self._record.failures, "lockouts": self._record.lockouts,
                "state_file_damaged": self.damaged}

    def flush(self) -> None:
        """Retry a state write that failed (the disk was full or read-only)."""
        self._file.flush()

    @property
    def write_error(self) -> str | None:
        return self._file.last_error

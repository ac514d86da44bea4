"""Arm and disarm, with the PIN check, attempt limit and a state that survives restarts."""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from homewatch.understanding.config import AlarmConfig

log = logging.getLogger(__name__)
State = Literal["disarmed", "armed_home", "armed_away"]
STATES: tuple[State, ...] = ("disarmed", "armed_home", "armed_away")


@dataclass(frozen=True, slots=True)
class AlarmResult:
    ok: bool
    state: State
    reason: Literal["ok", "no_code", "wrong_code", "locked", "not_configured"] = "ok"
    retry_in: float = 0.0


class Alarm:
    """The alarm state machine. Codes are compared in constant time and never logged."""

    def __init__(self, config: AlarmConfig, path: Path,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._path = path
        self._clock = clock
        self._failures: list[float] = []
        self._locked_until = 0.0
        self.state: State = self._load()

    def _load(self) -> State:
        try:
            state = json.loads(self._path.read_text()).get("state")
        except (OSError, ValueError, AttributeError):
            return "disarmed"
        return state if state in STATES else "disarmed"

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"state": self.state}))
        tmp.replace(self._path)

    def arm(self, mode: State, code: str | None, source: str) -> AlarmResult:
        if self._config.code_arm_required:
            refused = self._check(code, source, "arm")
            if refused:
                return refused
        self.state = mode
        self._save()
        log.info("alarm %s by %s", mode, source)
        return AlarmResult(True, self.state)

    def disarm(self, code: str | None, source: str, require_code: bool = True) -> AlarmResult:
        """`require_code=False` only for trusted channels when no code is configured."""
        if self._config.code is None and not require_code:
            return self._set_disarmed(source)
        refused = self._check(code, source, "disarm")
        return refused or self._set_disarmed(source)

    def _set_disarmed(self, source: str) -> AlarmResult:
        self.state = "disarmed"
        self._save()
        log.info("alarm disarmed by %s", source)
        return AlarmResult(True, self.state)

    def _check(self, code: str | None, source: str, action: str) -> AlarmResult | None:
        """None when the code is right; else why not (and count the failure)."""
        now = self._clock()
        if now < self._locked_until:
            log.warning("alarm %s from %s refused: locked for %.0f s", action, source,
                        self._locked_until - now)
            return AlarmResult(False, self.state, "locked", self._locked_until - now)
        secret = self._config.code
        if secret is None:
            log.warning("alarm %s from %s refused: no alarm code configured", action, source)
            return AlarmResult(False, self.state, "not_configured")
        if not code:
            log.warning("alarm %s from %s refused: no code given", action, source)
            return AlarmResult(False, self.state, "no_code")
        if hmac.compare_digest(code.encode(), secret.get_secret_value().encode()):
            self._failures.clear()
            return None
        window = self._config.lockout_s
        self._failures = [t for t in self._failures if now - t < window] + [now]
        attempts = len(self._failures)
        log.warning("alarm %s from %s refused: wrong code (attempt %d of %d)", action, source,
                    attempts, self._config.max_attempts)
        if attempts >= self._config.max_attempts:
            self._locked_until = now + self._config.lockout_s
            self._failures.clear()
            log.warning("alarm locked for %.0f s after %d wrong codes", window, attempts)
            return AlarmResult(False, self.state, "locked", self._config.lockout_s)
        return AlarmResult(False, self.state, "wrong_code")

"""Confirmation turns: a risky request waits for a spoken or sent "yes" before it is done.

One question is open at a time; a "no", silence past the deadline, or another request
cancels it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from homewatch.language.sentences import ANSWERS
from homewatch.language.templates import to_regex
from homewatch.understanding.dialog import Understanding

Verdict = Literal["yes", "no"]


@lru_cache(maxsize=1)
def _answer_patterns() -> dict[str, re.Pattern[str]]:
    return {verdict: re.compile("|".join(f"(?:{to_regex(t, {})})" for t in templates))
            for verdict, templates in ANSWERS.items()}


def verdict_of(text: str) -> Verdict | None:
    """"yes" / "no" when the whole utterance is an answer to a question, else None."""
    said = " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())
    for verdict, pattern in _answer_patterns().items():
        if pattern.fullmatch(said):
            return "yes" if verdict == "yes" else "no"
    return None


@dataclass(frozen=True, slots=True)
class Pending:
    """A request waiting for its "yes"."""

    understanding: Understanding
    question: str
    camera_given: bool
    deadline: float


class Confirmations:
    def __init__(self) -> None:
        self._pending: Pending | None = None

    def ask(self, pending: Pending) -> None:
        self._pending = pending

    def take(self) -> Pending | None:
        """The open question, which is closed by taking it."""
        pending, self._pending = self._pending, None
        return pending

    def expired(self, now: float) -> Pending | None:
        """The open question when its time is up (then closed), else None."""
        if self._pending is not None and now >= self._pending.deadline:
            return self.take()
        return None

    @property
    def open(self) -> bool:
        return self._pending is not None

"""Turning pydantic validation errors into messages a user can act on.

Inputs are never echoed: a mistyped password must not end up in the journal.
"""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from homewatch.config.source import KeyPath
from homewatch.core.errors import ConfigIssue

HINTS = {
    "extra_forbidden": "unknown key: check the spelling against `homewatch config schema`",
    "missing": "this key is required",
    "int_parsing": "use a whole number",
    "float_parsing": "use a number",
    "bool_parsing": "use true or false",
    "literal_error": "use one of the allowed values",
    "string_pattern_mismatch": "use lower-case letters, digits and '_'",
    "greater_than_equal": "the value is too small",
    "less_than_equal": "the value is too large",
    "greater_than": "the value is too small",
    "less_than": "the value is too large",
}


def dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _line_for(loc: KeyPath, lines: dict[KeyPath, int]) -> int | None:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _issue(error: ErrorDetails, lines: dict[KeyPath, int]) -> ConfigIssue:
    loc = tuple(error["loc"])
    message = error["msg"]
    ctx = error.get("ctx") or {}
    if error["type"] == "literal_error" and "expected" in ctx:
        hint = f"use one of {ctx['expected']}"
    else:
        hint = HINTS.get(error["type"], "see examples/homewatch.yaml")
    return ConfigIssue(dotted(loc), message, _line_for(loc, lines), hint)


def issues_from_validation(exc: ValidationError, lines: dict[KeyPath, int]) -> list[ConfigIssue]:
    return [_issue(error, lines) for error in exc.errors(include_input=False, include_url=False)]

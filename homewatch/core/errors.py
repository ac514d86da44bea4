"""Exceptions and process exit codes shared across the daemon."""

from __future__ import annotations

from dataclasses import dataclass

EX_OK = 0
EX_FAILURE = 1
EX_USAGE = 64
EX_CONFIG = 78  # sysexits.h EX_CONFIG; systemd's RestartPreventExitStatus=78 stops restart loops


class HomewatchError(Exception):
    """Base class for errors with a message meant for the user."""


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    message: str
    line: int | None = None
    hint: str | None = None

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line is not None else source
        text = f"{where}: {self.path}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class ConfigError(HomewatchError):
    """The configuration is missing or invalid; carries every problem found."""

    def __init__(self, source: str, issues: list[ConfigIssue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__(self.render())

    def render(self) -> str:
        head = f"invalid configuration ({len(self.issues)} problem(s)):"
        return "\n".join([head, *(f"  {i.render(self.source)}" for i in self.issues)])


class ModelError(HomewatchError):
    """A model file is missing, corrupt or of the wrong kind."""

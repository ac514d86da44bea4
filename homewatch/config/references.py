"""Checks across sections: names that must refer to a configured camera."""

from __future__ import annotations

from homewatch.config.issues import dotted
from homewatch.config.model import Config
from homewatch.config.source import KeyPath
from homewatch.core.errors import ConfigIssue


def _line(loc: KeyPath, lines: dict[KeyPath, int]) -> int | None:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def reference_issues(config: Config, lines: dict[KeyPath, int]) -> list[ConfigIssue]:
    """Unknown cameras in `understanding.camera_groups` and `cameras[i].overlaps_with`."""
    known = [c.name for c in config.cameras]
    hint = f"use one of the cameras: {', '.join(known) or '(none configured)'}"
    issues: list[ConfigIssue] = []

    def check(loc: KeyPath, name: str) -> None:
        if name not in known:
            issues.append(ConfigIssue(dotted(loc), f"unknown camera {name!r}", _line(loc, lines),
                                      hint))

    for group, members in config.understanding.camera_groups.items():
        for i, name in enumerate(members):
            check(("understanding", "camera_groups", group, i), name)
    for c, camera in enumerate(config.cameras):
        for i, name in enumerate(camera.overlaps_with):
            check(("cameras", c, "overlaps_with", i), name)
            if name == camera.name:
                loc: KeyPath = ("cameras", c, "overlaps_with", i)
                issues.append(ConfigIssue(dotted(loc), "a camera cannot overlap itself",
                                          _line(loc, lines), "remove it from overlaps_with"))
    return issues

"""Which cameras a question is about, and counting across cameras without counting twice.

A named camera or zone is that camera; a named group (`understanding.camera_groups`, e.g.
"outside") its cameras; no place at all ("is anyone home", "anywhere") every camera.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from homewatch.understanding.gazetteer import Found

Kind = Literal["named", "all", "group"]


@dataclass(frozen=True, slots=True)
class Scope:
    kind: Kind
    cameras: tuple[str, ...]
    name: str | None = None  # the group's name, or the place as spoken

    @property
    def label(self) -> str:
        """`front_door`, `all` or `group:outside`."""
        if self.kind == "named":
            return self.cameras[0] if self.cameras else "none"
        return "all" if self.kind == "all" else f"group:{self.name}"

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "cameras": list(self.cameras), "name": self.name}


def resolve_scope(found: Found, requested: str | None, groups: Mapping[str, Sequence[str]],
                  cameras: Sequence[str]) -> Scope:
    """The question's scope: a named place first, then the request's camera, then a group,
    else every camera."""
    place = found.first("camera", "zone")
    if place is not None:
        return Scope("named", (place.name.target,), place.name.label)
    if requested is not None:
        return Scope("named", (requested,))
    group = found.first("group")
    if group is not None and group.name.target in groups:
        members = [c for c in groups[group.name.target] if c in cameras]
        return Scope("group", tuple(members), group.name.target)
    return Scope("all", tuple(cameras))


def clusters(cameras: Iterable[str], overlaps: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Cameras grouped by overlapping views (an overlap in either direction joins them)."""
    cams = list(dict.fromkeys(cameras))
    parent = {c: c for c in cams}

    def root(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for camera in cams:
        for other in overlaps.get(camera, ()):
            if other in parent:
                parent[root(other)] = root(camera)
    groups: dict[str, list[str]] = {}
    for camera in cams:
        groups.setdefault(root(camera), []).append(camera)
    return list(groups.values())


def combined_count(counts: Mapping[str, int], overlaps: Mapping[str, Iterable[str]]) -> int:
    """Objects across cameras: overlapping cameras see the same ones, so each cluster of
    overlapping cameras counts its largest count; clusters add up."""
    return sum(max(counts[c] for c in cluster) for cluster in clusters(counts, overlaps))

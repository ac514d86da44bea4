"""Find the names the user chose (cameras, zones, devices) in a transcript, fuzzily.

Matched spans are replaced by the model's placeholder tokens, so the model never needs those
names in its vocabulary; "front store" still finds "front door".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz

from homewatch.language.words import GROUP_ALIASES
from homewatch.understanding.config import UnderstandingConfig
from homewatch.understanding.schema import DEVICE, PLACE
from homewatch.understanding.tokenizer import words

Kind = Literal["camera", "zone", "device", "group"]
SHORT = 5  # names shorter than this must be heard exactly
# A heard span may not start or end with these unless the name does ("the lights" is not
# "kitchen light").
EDGE_WORDS = frozenset({"the", "a", "an", "in", "at", "on", "of", "to", "is", "are", "by",
                        "my", "our", "and", "or", "off"})


@dataclass(frozen=True, slots=True)
class Name:
    phrase: str
    kind: Kind
    target: str  # camera id (camera, zone), device id or group name
    label: str  # how replies say it

    @property
    def size(self) -> int:
        return len(self.phrase.split())


@dataclass(frozen=True, slots=True)
class Match:
    name: Name
    start: int
    end: int
    score: float


@dataclass(frozen=True, slots=True)
class Found:
    text: str  # transcript with names replaced by placeholders
    matches: tuple[Match, ...] = field(default=())

    def first(self, *kinds: Kind) -> Match | None:
        return next((m for m in self.matches if m.name.kind in kinds), None)


def camera_label(camera: str) -> str:
    return camera.replace("_", " ")


class Gazetteer:
    def __init__(self, names: Iterable[Name], threshold: float = 80.0) -> None:
        self.names = [n for n in names if n.phrase]
        self.threshold = threshold

    @classmethod
    def from_config(cls, config: UnderstandingConfig, cameras: Iterable[str]) -> Gazetteer:
        names: list[Name] = []
        for camera in dict.fromkeys([*cameras, *config.camera_names]):
            label = camera_label(camera)
            spoken = config.camera_names.get(camera, ())
            display = spoken[0] if spoken else label
            names += [Name(p.lower(), "camera", camera, display) for p in (label, *spoken)]
        for zone in config.zones:
            names += [Name(p.lower(), "zone", zone.camera, zone.name)
                      for p in (zone.name, *zone.aliases)]
        for device in config.devices:
            names += [Name(p.lower(), "device", device.device_id, device.name)
                      for p in (device.name, *device.aliases)]
        for group in config.camera_groups:
            spoken = config.group_names.get(group, GROUP_ALIASES.get(group, ()))
            names += [Name(p.lower(), "group", group, group) for p in (group, *spoken)]
        return cls(names, config.fuzzy_threshold)

    def find(self, text: str) -> Found:
        tokens = words(text)
        candidates = sorted(self._candidates(tokens), key=lambda m: (-m.score, -m.name.size,
                                                                      m.start))
        taken: set[int] = set()
        chosen: list[Match] = []
        for match in candidates:
            span = set(range(match.start, match.end))
            if span & taken:
                continue
            taken |= span
            chosen.append(match)
        chosen.sort(key=lambda m: m.start)
        out: list[str] = []
        i = 0
        for match in chosen:
            if match.name.kind == "group":  # ordinary words the model knows ("outside")
                continue
            out += tokens[i:match.start]
            out.append(DEVICE if match.name.kind == "device" else PLACE)
            i = match.end
        out += tokens[i:]
        return Found(" ".join(out), tuple(chosen))

    def _candidates(self, tokens: list[str]) -> Iterable[Match]:
        for name in self.names:
            for width in {max(1, name.size - 1), name.size, name.size + 1}:
                own = set(name.phrase.split())
                for start in range(len(tokens) - width + 1):
                    edges = {tokens[start], tokens[start + width - 1]} - own
                    if edges & EDGE_WORDS:
                        continue
                    heard = " ".join(tokens[start:start + width])
                    if len(name.phrase) < SHORT or len(heard) < SHORT:
                        score = 100.0 if heard == name.phrase else 0.0
                    else:
                        score = fuzz.ratio(heard, name.phrase)
                    if score >= self.threshold:
                        yield Match(name, start, start + width, score)

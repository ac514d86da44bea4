"""The names a home gives its places and devices, as they are spoken, joined with the
shipped words into the slot values of the sentence templates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from homewatch.language import words


def spoken_name(name: str) -> str:
    """`front_door` → `front door`: how a configured name is said."""
    return " ".join(re.sub(r"[^\w']+|_", " ", name.lower()).split())


def unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


@dataclass(frozen=True, slots=True)
class HomeNames:
    """Places (cameras, zones, aliases) and devices of one home, spoken."""

    places: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()

    @classmethod
    def of(cls, places: Iterable[str], devices: Iterable[str]) -> HomeNames:
        return cls(unique(spoken_name(p) for p in places), unique(spoken_name(d) for d in devices))

    def slot_values(self) -> Mapping[str, Sequence[str]]:
        """Every value of every slot: the home's names first, then the shipped words."""
        singular = [w for forms in words.OBJECT_WORDS.values() for w in forms[0]]
        plural = [w for forms in words.OBJECT_WORDS.values() for w in forms[1]]
        return {
            "obj": unique(singular),
            "objs": unique(plural),
            "a_obj": unique([*(words.a_noun(w) for w in singular),
                             *words.PERSON_PRONOUNS]),
            "the_obj": unique(f"the {w}" for w in singular),
            "anything": words.ANYTHING,
            "place": unique([*self.places, *words.PLACES]),
            "device": unique([*self.devices, *words.DEVICES]),
            "pin": words.DIGITS,
            "digit": words.DIGITS,
        }

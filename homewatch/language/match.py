"""Does a template generate a sentence? (Keeps evaluation sentences out of training.)"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from homewatch.language.names import HomeNames
from homewatch.language.templates import to_regex
from homewatch.language.words import DIGITS


def slot_patterns(names: HomeNames, extra: Mapping[str, Sequence[str]] | None = None,
                  ) -> dict[str, str]:
    """Each slot's values as an expression; digits also as numerals."""
    values = {k: list(v) for k, v in names.slot_values().items()}
    for key, more in (extra or {}).items():
        values.setdefault(key, []).extend(more)
    patterns = {k: "|".join(re.escape(v) for v in sorted(vs, key=len, reverse=True))
                for k, vs in values.items()}
    digits = "|".join(DIGITS)
    patterns["pin"] = rf"\d+|(?:{digits})(?: (?:{digits}))*"
    return patterns


class SentenceMatcher:
    def __init__(self, templates: Iterable[str], patterns: Mapping[str, str]) -> None:
        self._patterns = [re.compile(to_regex(t, patterns)) for t in templates]

    def generates(self, sentence: str) -> bool:
        said = " ".join(sentence.lower().split())
        return any(p.fullmatch(said) for p in self._patterns)

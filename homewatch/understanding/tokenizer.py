"""Transcript → token ids, identical in training and at runtime."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

from homewatch.understanding.schema import MAX_TOKENS, NUM, SPECIAL_TOKENS, UNK

NUMBER_WORDS: Mapping[str, str] = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
_MEMO = 4096
_WORD = re.compile(r"<[a-z]+>|[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-case words; apostrophes kept inside words, digits split one per token."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word.isdigit():
            out.extend(word)
        else:
            out.append(word)
    return out


def normalize(word: str) -> str:
    """Digits and number words become one shared token (PIN digits carry no meaning)."""
    if word.isdigit() or (word in NUMBER_WORDS and word != "oh"):
        return NUM
    return word


class Vocabulary:
    """Word ↔ id; 0 is padding, 1 unknown.

    With `fuzzy` (a 0–100 similarity cutoff), a word outside the vocabulary takes the id of
    the most similar vocabulary word by spelling when one is at least that similar: a
    recognizer's near miss ("lights" heard as "light's", "garage" as "garages") keeps its
    meaning instead of becoming unknown.
    """

    def __init__(self, tokens: Sequence[str], fuzzy: float | None = None) -> None:
        if tuple(tokens[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
            raise ValueError(f"vocabulary must start with {SPECIAL_TOKENS}")
        self.tokens = list(tokens)
        self.fuzzy = fuzzy
        self._ids = {tok: i for i, tok in enumerate(self.tokens)}
        self._words = [t for t in self.tokens if not t.startswith("<") and len(t) > 2]
        self._near: dict[str, int] = {}  # memo of fuzzy look-ups, bounded

    @classmethod
    def build(cls, sentences: Iterable[str], min_count: int = 2,
              fuzzy: float | None = None) -> Vocabulary:
        counts: dict[str, int] = {}
        for sentence in sentences:
            for word in words(sentence):
                token = normalize(word)
                counts[token] = counts.get(token, 0) + 1
        kept = sorted(t for t, n in counts.items() if n >= min_count and t not in SPECIAL_TOKENS)
        return cls([*SPECIAL_TOKENS, *kept], fuzzy)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, length: int = MAX_TOKENS) -> list[int]:
        """Token ids padded/truncated to `length`."""
        ids = [self.id_of(normalize(w)) for w in words(text)]
        ids = ids[:length]
        return ids + [0] * (length - len(ids))

    def id_of(self, token: str) -> int:
        known = self._ids.get(token)
        if known is not None:
            return known
        if self.fuzzy is None or len(token) <= 2:
            return self._ids[UNK]
        near = self._near.get(token)
        if near is None:
            match = process.extractOne(token, self._words, scorer=fuzz.ratio,
                                       score_cutoff=self.fuzzy)
            near = self._ids[match[0]] if match else self._ids[UNK]
            if len(self._near) < _MEMO:
                self._near[token] = near
        return near

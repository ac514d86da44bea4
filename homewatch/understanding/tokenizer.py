"""Transcript → token ids, identical in training and at runtime."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from homewatch.understanding.schema import MAX_TOKENS, NUM, SPECIAL_TOKENS, UNK

NUMBER_WORDS: Mapping[str, str] = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
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
    """Word ↔ id; 0 is padding, 1 unknown."""

    def __init__(self, tokens: Sequence[str]) -> None:
        if tuple(tokens[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
            raise ValueError(f"vocabulary must start with {SPECIAL_TOKENS}")
        self.tokens = list(tokens)
        self._ids = {tok: i for i, tok in enumerate(self.tokens)}

    @classmethod
    def build(cls, sentences: Iterable[str], min_count: int = 2) -> Vocabulary:
        counts: dict[str, int] = {}
        for sentence in sentences:
            for word in words(sentence):
                token = normalize(word)
                counts[token] = counts.get(token, 0) + 1
        kept = sorted(t for t, n in counts.items() if n >= min_count and t not in SPECIAL_TOKENS)
        return cls([*SPECIAL_TOKENS, *kept])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, length: int = MAX_TOKENS) -> list[int]:
        """Token ids padded/truncated to `length`."""
        unk = self._ids[UNK]
        ids = [self._ids.get(normalize(w), unk) for w in words(text)]
        ids = ids[:length]
        return ids + [0] * (length - len(ids))

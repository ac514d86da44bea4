"""ASR-style noise: word drops, insertions and sound-alike swaps.

The swaps are learnt from real recognizer output on the project's own sentences
(`homewatch.training.spoken`), never from the evaluation recordings.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

FILLERS = ("uh", "um", "the", "a", "and", "oh", "ah", "that", "or", "so", "well", "i")


class AsrNoise:
    """Corrupt a sentence the way a recognizer does."""

    def __init__(self, learned: Mapping[str, list[str]], drop: float = 0.07,
                 insert: float = 0.04, swap: float = 0.25) -> None:
        self.table = {ref: list(heard) for ref, heard in learned.items() if heard}
        self.max_span = max((len(k.split()) for k in self.table), default=1)
        self.drop, self.insert, self.swap = drop, insert, swap

    def __call__(self, sentence: str, rng: random.Random, severity: float = 1.0) -> str:
        """`severity` scales the swap and drop rates (3: most words misheard)."""
        swap, drop = min(self.swap * severity, 0.9), min(self.drop * severity, 0.5)
        words = sentence.split()
        out: list[str] = []
        i = 0
        while i < len(words):
            if rng.random() < self.insert:
                out.append(rng.choice(FILLERS))
            span = self._match(words, i)
            if span and rng.random() < swap:
                out.extend(rng.choice(self.table[" ".join(words[i:i + span])]).split())
                i += span
                continue
            if not words[i].startswith("<") and rng.random() < drop:
                i += 1
                continue
            out.append(words[i])
            i += 1
        return " ".join(out) if out else sentence

    def _match(self, words: list[str], i: int) -> int:
        for span in range(self.max_span, 0, -1):
            if " ".join(words[i:i + span]) in self.table and i + span <= len(words):
                return span
        return 0

"""ASR-style noise: word drops, insertions, sound-alike swaps (learned + common ones)."""

from __future__ import annotations

import random
from collections.abc import Mapping

# Typical small-vocabulary recognizer confusions, on top of those learned from real output.
SOUND_ALIKES: Mapping[str, tuple[str, ...]] = {
    "is": ("as", "does", "his", "this", "he's"), "are": ("or", "our", "a"),
    "car": ("core", "card", "far", "cards"), "arm": ("on", "our", "um", "harm", "alarm"),
    "disarm": ("this arm", "dis arm", "these are"), "turn": ("on", "tern", "learn"),
    "off": ("of", "mop", "oft"), "light": ("like", "line", "right", "lied"),
    "lights": ("likes", "lines", "rights"), "door": ("war", "or", "more", "floor"),
    "at": ("that", "add", "a"), "see": ("sea", "c", "she"), "dog": ("dark", "dug", "dot"),
    "cat": ("cap", "kat", "cut", "that"), "the": ("a", "uh", "then", "to"),
    "someone": ("some one", "summon"), "people": ("peoples", "feeble"),
    "snapshot": ("snap shot", "snaps hot"), "watching": ("washing", "watch in"),
    "kitchen": ("chicken", "kitten"), "garage": ("carriage", "garbage"),
    "status": ("stat is", "stay to us"), "system": ("sister", "listen", "system's"),
    "any": ("and", "penny"), "anyone": ("any one", "and one"), "how": ("now", "house"),
    "many": ("men", "mini"), "there": ("their", "they're", "where"), "in": ("and", "an"),
    "you": ("yeah", "yo"), "tell": ("tel", "til"), "me": ("the", "be"), "when": ("win", "and"),
    "stop": ("top", "stuff"), "what": ("watt", "but"), "do": ("due", "to"),
    "take": ("tape", "tick"), "last": ("lost", "list"), "alarm": ("a lot", "along"),
    "homewatch": ("home watches", "home watch", "homework", "home was"),
    "hey": ("a", "hay", "say"),
    "porch": ("port", "torch"), "garden": ("guard and", "pardon"), "front": ("fun", "frontier"),
}
FILLERS = ("uh", "um", "the", "a", "and", "oh", "ah", "that", "or", "so", "well", "i")


class AsrNoise:
    """Corrupt a sentence the way a recognizer does."""

    def __init__(self, learned: Mapping[str, list[str]], drop: float = 0.07,
                 insert: float = 0.04, swap: float = 0.25) -> None:
        table: dict[str, list[str]] = {k: list(v) for k, v in SOUND_ALIKES.items()}
        for ref, heard in learned.items():
            table.setdefault(ref, []).extend(heard)
        self.table = table
        self.max_span = max(len(k.split()) for k in table)
        self.drop, self.insert, self.swap = drop, insert, swap

    def __call__(self, sentence: str, rng: random.Random) -> str:
        words = sentence.split()
        out: list[str] = []
        i = 0
        while i < len(words):
            if rng.random() < self.insert:
                out.append(rng.choice(FILLERS))
            span = self._match(words, i)
            if span and rng.random() < self.swap:
                out.extend(rng.choice(self.table[" ".join(words[i:i + span])]).split())
                i += span
                continue
            if not words[i].startswith("<") and rng.random() < self.drop:
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

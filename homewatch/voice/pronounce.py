"""Pronunciations for words the pocketsphinx dictionary lacks ("homewatch", camera names).

Order: the user's own (config), then a split into dictionary words (home + watch), then
letter-to-sound rules as a last resort. A word is never left out of the grammar.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

Lookup = Callable[[str], str | None]

_DIGRAPHS = {
    "ch": "CH", "sh": "SH", "th": "TH", "ph": "F", "ck": "K", "ng": "NG", "wh": "W",
    "ee": "IY", "ea": "IY", "oo": "UW", "ou": "AW", "ow": "OW", "ai": "EY", "ay": "EY",
    "oa": "OW", "oi": "OY", "oy": "OY", "qu": "K W", "er": "ER", "ar": "AA R", "or": "AO R",
}
_LETTERS = {
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH",
    "i": "IH", "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P",
    "q": "K", "r": "R", "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S",
    "y": "IY", "z": "Z", "'": "",
}
_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def pronounce(word: str, lookup: Lookup, custom: Mapping[str, str]) -> tuple[str, str]:
    """(phones, how) for `word`; how is custom, compound or rules."""
    if word in custom:
        return custom[word].upper(), "custom"
    parts = split_compound(word, lookup)
    if parts:
        return " ".join(p for part in parts if (p := lookup(part))), "compound"
    return letter_rules(word), "rules"


def split_compound(word: str, lookup: Lookup) -> list[str] | None:
    """Fewest dictionary words that spell `word`, each at least two letters."""
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(2, len(word) + 1):
        for start in range(end - 1):
            head = best[start]
            piece = word[start:end]
            if head is None or (len(piece) < 2 and not piece.isdigit()):
                continue
            spoken = _DIGIT_WORDS[int(piece)] if piece.isdigit() and len(piece) == 1 else piece
            if lookup(spoken) is None:
                continue
            candidate = [*head, spoken]
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    found = best[len(word)]
    return found if found and len(found) > 1 else None


def letter_rules(word: str) -> str:
    phones: list[str] = []
    i = 0
    while i < len(word):
        pair = word[i:i + 2]
        if pair in _DIGRAPHS:
            phones.append(_DIGRAPHS[pair])
            i += 2
            continue
        letter = word[i]
        if letter == "e" and i == len(word) - 1 and phones:
            i += 1  # silent final e
            continue
        phones.append(_LETTERS.get(letter, ""))
        i += 1
    return " ".join(p for p in phones if p) or "AH"

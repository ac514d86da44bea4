"""Sentences sampled from the templates with a home's names: what the language model of
the recognizer is estimated from."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Mapping, Sequence

from homewatch.language.names import HomeNames
from homewatch.language.sentences import (
    AFTER_REQUEST,
    ANSWERS,
    BEFORE_REQUEST,
    CORE,
    OUT_OF_DOMAIN_TEMPLATES,
    TEMPLATES,
)
from homewatch.language.templates import sample
from homewatch.language.words import DIGITS

VERSION = 1  # bump when the sampling below changes: cached models are rebuilt
SENTENCES = 30000
# Shares of the sample: short forms, paraphrases, confirmation answers, and everyday talk
# (so that speech which is not a command has words to come out as, and is rejected).
WEIGHTS = {"core": 0.35, "paraphrase": 0.4, "answer": 0.05, "other": 0.2}
WAKE_SHARE = 0.3
OWN_WAKE_SHARE = 0.6
# Shares of requests with words before and after them ("please …", "… for me").
BEFORE_SHARE, AFTER_SHARE = 0.15, 0.2


def sentences(names: HomeNames, wake_phrases: Sequence[str] = (), n: int = SENTENCES,
              seed: int = 1) -> Iterator[str]:
    """`n` sentences; places and devices are the home's own when it has any."""
    rng = random.Random(seed)
    values = names.slot_values()
    own = {"place": names.places or values["place"], "device": names.devices or values["device"]}

    def fill(slot: str) -> str:
        if slot in ("pin", "digit"):
            return " ".join(rng.choice(DIGITS) for _ in range(rng.randint(3, 6)))
        return rng.choice(own.get(slot) or values[slot])

    pools: Mapping[str, list[str]] = {
        "core": [t for items in CORE.values() for t in items],
        "paraphrase": [t for items in TEMPLATES.values() for t in items],
        "answer": [t for items in ANSWERS.values() for t in items],
        "other": list(OUT_OF_DOMAIN_TEMPLATES),
    }
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    for _ in range(n):
        kind = rng.choices(kinds, weights)[0]
        text = sample(rng.choice(pools[kind]), rng, fill)
        if kind in ("core", "paraphrase"):
            if rng.random() < BEFORE_SHARE:
                text = f"{sample(BEFORE_REQUEST, rng, fill)} {text}"
            if rng.random() < AFTER_SHARE:
                text = f"{text} {sample(AFTER_REQUEST, rng, fill)}"
        if wake_phrases and kind in ("core", "paraphrase") and rng.random() < WAKE_SHARE:
            # The first (configured) phrase is what is said; the others are other spellings.
            wake = wake_phrases[0] if rng.random() < OWN_WAKE_SHARE else rng.choice(wake_phrases)
            text = f"{wake} {text}"
        yield text


def fingerprint(names: HomeNames, wake_phrases: Sequence[str] = ()) -> str:
    """Identifies the sentence set: templates, names and sampling (the cache key)."""
    digest = hashlib.sha256()
    shares = (WAKE_SHARE, OWN_WAKE_SHARE, BEFORE_SHARE, AFTER_SHARE)
    for part in (repr(VERSION), repr(SENTENCES), repr(WEIGHTS), repr(shares), BEFORE_REQUEST,
                 AFTER_REQUEST, repr(sorted(CORE.items())),
                 repr(sorted(TEMPLATES.items())), repr(ANSWERS), repr(OUT_OF_DOMAIN_TEMPLATES),
                 repr(names), repr(tuple(wake_phrases))):
        digest.update(part.encode())
    return digest.hexdigest()[:16]

"""Is a presence question asked the negative way round ("is the back yard empty?")?

The model answers "is there …?"; a question about emptiness wants the opposite yes/no. A
small lexical detector says which way round a question is.
"""

from __future__ import annotations

import re
from typing import Literal

Polarity = Literal["pos", "neg"]

_NEGATIVE = re.compile(
    r"\b(empty|clear|deserted|vacant|quiet|nobody|noone|no one|nothing|no sign|"
    r"no (?!more\b|longer\b)[a-z]+s?|not (anyone|anybody|a soul|anything)|"
    r"(isn't|aren't|is not|are not) (anyone|anybody|any|anything)|"
    r"(everyone|everybody) (gone|left|out)|(has|have) (everyone|everybody) (gone|left)|"
    r"free of)\b")


def polarity(text: str) -> Polarity:
    """`neg` when yes means nobody/nothing is there: "empty", "nobody … right?", "clear"."""
    said = " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())
    return "neg" if _NEGATIVE.search(said) else "pos"

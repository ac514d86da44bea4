"""Alarm PINs out of published text: "disarm the alarm 4321" → "disarm the alarm ****".

Any run of three or more digits, written or spoken ("four three two one", "for tree two
one" as recognizers hear them), is masked: that is every run the dialog could take for a PIN.
"""

from __future__ import annotations

import logging
import re

MASK = "****"
MIN_RUN = 3
_DIGIT_WORDS = frozenset({"zero", "oh", "one", "two", "three", "four", "five", "six", "seven",
                          "eight", "nine"})
_SOUNDALIKES = frozenset({"won", "to", "too", "for", "ate", "nein", "tree", "fife", "niner"})
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]")


def _run_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = end = -1
    length = 0
    for match in _TOKEN.finditer(text.lower()):
        word = match.group()
        gap = text[end:match.start()] if length else ""
        joined = not gap or not any(c.isalnum() for c in gap)
        # Sound-alikes count too, so a PIN heard as "for three two one" loses its first digit.
        digit = word.isdigit() or word in _DIGIT_WORDS or word in _SOUNDALIKES
        if digit and joined and length:
            end, length = match.end(), length + 1
            continue
        if length >= MIN_RUN:
            spans.append((start, end))
        start, end, length = (match.start(), match.end(), 1) if digit else (-1, -1, 0)
    if length >= MIN_RUN:
        spans.append((start, end))
    return spans


def redact(text: str) -> str:
    """`text` with every possible PIN masked."""
    if not text:
        return text
    out, last = [], 0
    for start, end in _run_spans(text):
        out += [text[last:start], MASK]
        last = end
    return "".join(out) + text[last:] if out else text


class RedactingFilter(logging.Filter):
    """Masks PINs in log lines (a transcript logged as "not understood", say)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def redact_words(words: list[str]) -> list[str]:
    """The same masking over a recognizer's word list: each word of a PIN becomes `MASK`."""
    text, starts = "", []
    for word in words:
        starts.append(len(text))
        text += word + " "
    spans = _run_spans(text)
    return [MASK if any(s <= at < e for s, e in spans) else word
            for word, at in zip(words, starts, strict=True)]

"""Word error rate, for tests and benchmarks."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein


def word_errors(reference: str, hypothesis: str) -> int:
    return int(Levenshtein.distance(reference.split(), hypothesis.split()))


def word_error_rate(pairs: Iterable[tuple[str, str]]) -> float:
    """Total word edits over total reference words, for (reference, hypothesis) pairs."""
    errors = words = 0
    for reference, hypothesis in pairs:
        errors += word_errors(reference, hypothesis)
        words += len(reference.split())
    return errors / words if words else 0.0

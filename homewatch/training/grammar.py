"""A tiny sentence-template language: `(a|b)` alternatives, `[x]` and `(a|b)?` optional,
`{slot}` slots.

Templates are sampled, not expanded: each call picks one alternative at random, so large
paraphrase spaces cost nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

SlotFiller = Callable[[str], str]


def sample(template: str, rng: random.Random, fill: SlotFiller) -> str:
    text, end = _sequence(template, 0, rng, fill)
    if end != len(template):
        raise ValueError(f"unbalanced template: {template!r}")
    return " ".join(text.split())


def _sequence(tpl: str, pos: int, rng: random.Random, fill: SlotFiller) -> tuple[str, int]:
    """Read until `)`, `]` or `|` at this level; return the rendered text."""
    out: list[str] = []
    while pos < len(tpl) and tpl[pos] not in ")]|":
        char = tpl[pos]
        if char == "(":
            options: list[str] = []
            pos += 1
            while True:
                text, pos = _sequence(tpl, pos, rng, fill)
                options.append(text)
                if pos >= len(tpl):
                    raise ValueError(f"unclosed '(' in {tpl!r}")
                if tpl[pos] == ")":
                    pos += 1
                    break
                pos += 1  # '|'
            choice = rng.choice(options)
            if pos < len(tpl) and tpl[pos] == "?":
                pos += 1
                choice = choice if rng.random() < 0.5 else ""
            out.append(choice)
        elif char == "[":
            text, pos = _sequence(tpl, pos + 1, rng, fill)
            if pos >= len(tpl) or tpl[pos] != "]":
                raise ValueError(f"unclosed '[' in {tpl!r}")
            pos += 1
            if rng.random() < 0.5:
                out.append(text)
        elif char == "{":
            end = tpl.index("}", pos)
            out.append(fill(tpl[pos + 1:end]))
            pos = end + 1
        else:
            out.append(char)
            pos += 1
    return "".join(out), pos


def slots_in(template: str) -> set[str]:
    names: set[str] = set()
    pos = template.find("{")
    while pos != -1:
        end = template.index("}", pos)
        names.add(template[pos + 1:end])
        pos = template.find("{", end)
    return names


def check(templates: Mapping[str, list[str]]) -> None:
    """Fail early on a malformed template."""
    rng = random.Random(0)
    for intent, items in templates.items():
        for template in items:
            try:
                sample(template, rng, lambda _name: "x")
            except ValueError as exc:
                raise ValueError(f"{intent}: {exc}") from None

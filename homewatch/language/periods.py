"""Time expressions of a question: "this morning", "since nine", "in the last ten minutes".

`parse_period(text, now)` finds what span of time a question is about and returns a
`Period`: a canonical `label` (`today`, `since_09`, `last_10_minutes`, `away`, `none` …),
the concrete start and end in `now`'s time zone, and how to say it.

Choices:
- "since nine" is nine o'clock (`since_09`); "since 9 pm", "since nine tonight" and
  "since nine in the evening" are 21:00 (`since_21`). The start is the latest such hour not
  after `now` (today's, else yesterday's).
- "this morning" 06–12, "this afternoon" 12–18, "this evening" 18–24, "tonight" from 18:00
  (yesterday's before 06:00), "last night"/"overnight" 18:00 yesterday to 06:00 today.
- "while I was out" (`away`): the last time the alarm was armed away until it was disarmed
  (or now); when it never was, the last `AWAY_FALLBACK` (four hours).
- No time named (`none`): the last `DEFAULT_SPAN` (twelve hours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

AWAY_FALLBACK = timedelta(hours=4)
DEFAULT_SPAN = timedelta(hours=12)
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "couple": 2,
    "couple of": 2, "few": 3, "several": 3,
}
_NUM = r"(\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"
_AWAY = re.compile(r"\b(while|when|since) (i|we) (was|were|left|went|have been|'ve been)"
                   r"( (out|away|gone|at work|not home|not here|on holiday|on vacation))?\b|"
                   r"\bwhile (i|we) (was|were) (out|away|gone)\b|\bin my absence\b")
_LAST = re.compile(r"\b(last|past|previous)( " + _NUM + r")? (minutes?|mins?|hours?|hrs?)\b")
_HALF_HOUR = re.compile(r"\b(last|past) half (an )?hour\b|\blast thirty minutes\b")
_SINCE = re.compile(r"\bsince (half past |quarter past |about |around )?(" + _NUM[1:-1]
                    + r"|noon|midday|midnight|lunch|lunchtime)"
                    r"(:\d\d| o'clock| oclock)?( ?(am|a\.m\.|pm|p\.m\.|in the (morning|"
                    r"afternoon|evening)|at night|tonight|this (morning|afternoon|evening)))?\b")
_PARTS = (("this_morning", r"\b(since |during )?this morning\b", 6, 12),
          ("this_afternoon", r"\b(since |during )?this afternoon\b", 12, 18),
          ("this_evening", r"\b(since |during )?this evening\b", 18, 24))


@dataclass(frozen=True, slots=True)
class Period:
    label: str  # canonical: today, since_09, last_10_minutes, away, none …
    start: datetime
    end: datetime
    spoken: str  # "this morning", "since 9 am", "in the last 10 minutes"

    @property
    def start_ts(self) -> float:
        return self.start.timestamp()

    @property
    def end_ts(self) -> float:
        return self.end.timestamp()


def _at(day: datetime, hour: int) -> datetime:
    """`hour` o'clock on `day`'s date (24 = the next midnight), in its time zone."""
    midnight = datetime.combine(day.date(), time(0), day.tzinfo)
    return midnight + timedelta(hours=hour)


def _number(word: str | None, default: int = 1) -> int:
    if not word:
        return default
    return int(word) if word.isdigit() else NUMBERS.get(word, default)


def _clean(text: str) -> str:
    text = text.lower().replace("’", "'")
    return " ".join(re.sub(r"[^\w':. ]+", " ", text).split())


def parse_period(text: str, now: datetime,
                 away: tuple[float, float | None] | None = None) -> Period:
    """The span of time `text` asks about. `now` must be time-zone aware; `away` is the last
    armed-away span (start, end or None while still armed), if any."""
    said = _clean(text)
    for parse in (_away, _last, _since, _part, _night, _day):
        found = parse(said, now, away)
        if found is not None:
            return found
    return Period("none", now - DEFAULT_SPAN, now, "in the last 12 hours")


def _away(said: str, now: datetime, away: tuple[float, float | None] | None) -> Period | None:
    if not _AWAY.search(said):
        return None
    if away is None:
        return Period("away", now - AWAY_FALLBACK, now, "in the last 4 hours")
    start = datetime.fromtimestamp(away[0], now.tzinfo)
    end = now if away[1] is None else datetime.fromtimestamp(away[1], now.tzinfo)
    return Period("away", start, end, "while you were out")


def _last(said: str, now: datetime, away: object) -> Period | None:
    if _HALF_HOUR.search(said):
        return Period("last_30_minutes", now - timedelta(minutes=30), now,
                      "in the last 30 minutes")
    match = _LAST.search(said)
    if match is None:
        return None
    n = _number(match.group(3))
    if match.group(4).startswith(("hour", "hr")):
        if n == 1:
            return Period("last_hour", now - timedelta(hours=1), now, "in the last hour")
        return Period(f"last_{n}_hours", now - timedelta(hours=n), now, f"in the last {n} hours")
    if n == 60:
        return Period("last_hour", now - timedelta(hours=1), now, "in the last hour")
    unit = "minute" if n == 1 else "minutes"
    return Period(f"last_{n}_minutes", now - timedelta(minutes=n), now,
                  f"in the last {n} {unit}")


def _since(said: str, now: datetime, away: object) -> Period | None:
    match = _SINCE.search(said)
    if match is None:
        return None
    word, suffix = match.group(2), match.group(5) or ""
    if word in ("noon", "midday", "lunch", "lunchtime"):
        hour = 12
    elif word == "midnight":
        hour = 0
    else:
        hour = _number(word, -1)
        if not 0 <= hour <= 24:
            return None
        hour %= 24
        later = any(w in suffix for w in ("pm", "p.m.", "afternoon", "evening", "night"))
        if later and hour < 12:
            hour += 12
        elif ("am" in suffix or "morning" in suffix) and hour == 12:
            hour = 0
    start = _at(now, hour)
    if start > now:
        start -= timedelta(days=1)
    return Period(f"since_{hour:02d}", start, now, f"since {clock_hour(hour)}")


def clock_hour(hour: int) -> str:
    """9 → "9 am", 21 → "9 pm", 12 → "noon", 0 → "midnight"."""
    if hour == 0:
        return "midnight"
    if hour == 12:
        return "noon"
    return f"{hour % 12} {'am' if hour < 12 else 'pm'}"


def _part(said: str, now: datetime, away: object) -> Period | None:
    for label, pattern, first, last in _PARTS:
        if re.search(pattern, said):
            start = _at(now, first)
            end = min(now, _at(now, last))
            return Period(label, start, max(start, end), label.replace("_", " "))
    if re.search(r"\btonight\b", said):
        start = _at(now, 18) if now.hour >= 6 else _at(now - timedelta(days=1), 18)
        return Period("tonight", start, max(start, now), "tonight")
    return None


def _night(said: str, now: datetime, away: object) -> Period | None:
    if not re.search(r"\b(last night|overnight|during the night)\b", said):
        return None
    start = _at(now - timedelta(days=1), 18)
    return Period("last_night", start, min(now, _at(now, 6)), "last night")


def _day(said: str, now: datetime, away: object) -> Period | None:
    if re.search(r"\byesterday\b", said):
        day = now - timedelta(days=1)
        for part, first, last in (("morning", 6, 12), ("afternoon", 12, 18),
                                  ("evening", 18, 24)):
            if re.search(rf"\byesterday {part}\b", said):
                return Period("yesterday", _at(day, first), _at(day, last),
                              f"yesterday {part}")
        return Period("yesterday", _at(day, 0), _at(day, 24), "yesterday")
    if re.search(r"\b(today|the day|this day|so far)\b", said):
        return Period("today", _at(now, 0), now, "today")
    return None

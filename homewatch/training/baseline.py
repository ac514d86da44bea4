"""A keyword-rule baseline for the same questions, to measure the fusion model against.

Intent: ordered keyword rules (whole-home "where" and "what happened" too). Object: the
synonym tables. Answer: "yes" when the detector's best score for the class reaches 0.5 (what
a plain score threshold does); lights: brightness.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from homewatch.language.words import OBJECT_WORDS, PERSON_PRONOUNS
from homewatch.training.scenes import DARK_BELOW
from homewatch.understanding.features import FeatureSpec, class_slice
from homewatch.understanding.schema import INTENTS, MAX_COUNT, OBJECTS

RULES: tuple[tuple[str, str], ...] = (
    ("disarm", r"\b(disarm|dis arm|unarm|un arm)\b|\b(alarm|security) off\b|"
               r"\b(off|deactivate|disable|cancel|stop|end|exit)\b.*\b(alarm|security|mode)\b"),
    ("arm", r"\barm\b|\b(on|activate|enable|set|engage|start)\b.*\b(alarm|security|mode)\b|"
            r"\b(secure|lock down|leaving|going out|heading out|going to bed)\b"),
    ("watch_stop", r"\b(stop|cancel|remove|delete|clear|no more|don't|do not|quit|halt|end|"
                   r"never mind|forget|enough|no longer|unwatch|disable|turn off)\b.*"
                   r"\b(watch|watches|watching|monitoring|alerts?|notif\w*|tell|eye)\b"),
    ("watch_start", r"\b(tell me when|let me know|notify|alert|warn me|watch|monitor|"
                    r"keep an eye|look out|heads up|ping me|call me|wake me|message me|"
                    r"guard|as soon as|notified|told)\b"),
    ("summary", r"\bwhat happened\b|\bhappen\b|\bwhile (i|we) (was|were)\b|"
                r"\b(summary|recap|rundown|report) of\b|\bwhat did i miss\b|"
                r"\bmiss anything\b|\b(summarize|sum up|recap)\b"),
    ("ask_where", r"\bwhere (is|are|'s|was|were|did|can|have)\b|"
                  r"\bwhich (camera|cameras|room|place|area|part)\b"),
    ("snapshot", r"\b(snapshot|picture|photo|pic|screenshot|screen shot|snap shot|capture|"
                 r"show me|let me see|image|still|frame|photograph|snap|display)\b"),
    ("last_seen", r"\blast\b|\bwhen (did|was)\b|\bwhat time\b|\bhow long\b|"
                  r"\b(recently|lately|earlier|today)\b"),
    ("ask_count", r"\bhow many\b|\bcount\b|\bnumber of\b"),
    ("ask_lights", r"\b(lights?|dark|bright|lit|lamps?|lighting)\b.*\b(on|off|dark|lit)\b|"
                   r"\b(is it|too|pitch) (dark|bright|black)\b|\b(dark|lit|bright)\b"),
    ("device_on", r"\b(turn|switch|power|put) on\b|\b(turn|switch|put) the .* on\b|"
                  r"\b(illuminate|light up|fire up|power up|activate|enable|start|open|run)\b|"
                  r" on$"),
    ("device_off", r"\b(turn|switch|power|shut|put) off\b|\b(turn|switch|put) the .* off\b|"
                   r"\b(deactivate|disable|stop|kill|cut|close|power down|shut down)\b|off$"),
    ("describe", r"\b(what do you see|what can you see|describe|happening|going on|"
                 r"what's (in|at|on|there|out)|what is (in|at|on|there|out)|look like|"
                 r"how does|situation|rundown|summary|description|seeing)\b"),
    ("status", r"\b(status|state|diagnostic|health|self test|system check|are you|"
               r"everything|condition)\b|\b(cameras?|system|microphone) (working|running|"
               r"online|up|ok|down)\b"),
    ("ask_presence", r"\b(is there|are there|anyone|anybody|someone|somebody|do you see|"
                     r"any|who is|has|have|sign of|is the|are the|is a|anything|something)\b"),
)
_COMPILED = [(intent, re.compile(rx)) for intent, rx in RULES]
_OBJECT_OF: dict[str, str] = {}
for _label, (_singular, _plural) in OBJECT_WORDS.items():
    for _word in (*_singular, *_plural):
        _OBJECT_OF.setdefault(_word.split()[-1], _label)
for _word in PERSON_PRONOUNS:
    _OBJECT_OF.setdefault(_word.split()[-1], "person")


def intent_of(text: str) -> str:
    for intent, rx in _COMPILED:
        if rx.search(text):
            return intent
    return "unknown"


def object_of(text: str) -> str:
    for word in text.split():
        if word in _OBJECT_OF:
            return _OBJECT_OF[word]
    return "none"


def answer_of(intent: str, obj: str, text: str, vision: npt.NDArray[np.float32],
              spec: FeatureSpec) -> float:
    if intent == "ask_lights":
        offset = len(spec.classes) * len(spec.per_class)
        bright = vision[offset + spec.extra.index("brightness")] >= DARK_BELOW
        negative = bool(re.search(r"\b(dark|black|off)\b", text))
        return float(bright != negative)
    top = spec.per_class.index("max_score")
    labels = spec.classes if obj == "none" else (obj,)
    best = max(float(vision[class_slice(spec, lbl)[top]]) for lbl in labels)
    return float(best >= 0.5)


def count_of(obj: str, vision: npt.NDArray[np.float32], spec: FeatureSpec) -> int:
    if obj == "none":
        return 0
    index = class_slice(spec, obj)[spec.per_class.index("count")]
    return min(round(float(vision[index]) * spec.count_scale), MAX_COUNT)


def predict(texts: Sequence[str], vision: npt.NDArray[np.float32],
            spec: FeatureSpec | None = None) -> dict[str, npt.NDArray[np.float32]]:
    """The same output layout as the model (one-hot rows)."""
    spec = spec or FeatureSpec()
    n = len(texts)
    out = {"intent": np.zeros((n, len(INTENTS)), np.float32),
           "object": np.zeros((n, len(OBJECTS)), np.float32),
           "answer": np.zeros((n, 1), np.float32),
           "count": np.zeros((n, MAX_COUNT + 1), np.float32)}
    for i, raw in enumerate(texts):
        text = raw.lower()
        intent, obj = intent_of(text), object_of(text)
        out["intent"][i, INTENTS.index(intent)] = 1
        out["object"][i, OBJECTS.index(obj)] = 1
        out["answer"][i, 0] = answer_of(intent, obj, text, vision[i], spec)
        out["count"][i, count_of(obj, vision[i], spec)] = 1
    return out

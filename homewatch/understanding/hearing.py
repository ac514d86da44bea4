"""How sure the ear and the model were, and whether that is sure enough to act."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from homewatch.understanding.config import UnderstandingConfig

NOT_CAUGHT = "Sorry, I didn't catch that."


@dataclass(frozen=True, slots=True)
class Heard:
    """How sure the ear was of a spoken request (typed requests have none)."""

    confidence: float
    raw: str
    alternative: str | None = None  # an open-vocabulary pass on the same audio
    alternatives: tuple[str, ...] = ()  # the recognizer's best hypotheses, best first


def sure(settings: UnderstandingConfig, intent: str, model_conf: float,
         heard: Heard | None) -> bool:
    """Sure enough to act: a known intent, a clear recording, a confident model."""
    if intent == "unknown" or model_conf < settings.min_confidence:
        return False
    if heard is None:
        return model_conf >= settings.intent_confidence.get(intent, 0.0)
    least = settings.min_agreement if len(heard.alternatives) > 1 \
        else settings.min_heard_confidence
    if heard.confidence < least:
        return False
    if heard.alternative is not None and disagree(heard.raw, heard.alternative):
        return False
    need = settings.intent_confidence.get(intent, settings.min_confidence)
    return min(model_conf, heard.confidence) >= need


def not_caught(heard: str | None) -> str:
    return f"{NOT_CAUGHT} I heard: {heard}." if heard else f"{NOT_CAUGHT} Could you say it again?"


def disagree(heard: str, alternative: str, least: float = 0.5) -> bool:
    """The open-vocabulary pass heard something else: the words overlap too little."""
    if not heard:
        return False
    return fuzz.token_set_ratio(heard, alternative) < least * 100

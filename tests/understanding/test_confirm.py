"""No action on a guess: risky requests wait for a "yes"; "no", silence or doubt cancel."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from homewatch.config.slices import dialog_setup
from homewatch.core.bus import MemoryBus
from homewatch.understanding.confirm import verdict_of
from homewatch.understanding.hearing import Heard
from homewatch.understanding.model import FusionModel
from homewatch.understanding.service import DialogService
from tests.understanding.conftest import NOW, History, Scenes, make_config


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dialog(tmp_path: Path, bus: MemoryBus, scenes: Scenes, history: History,  # noqa: PLR0917
           model: FusionModel, clock: Clock) -> Iterator[DialogService]:
    svc = DialogService(dialog_setup(make_config(tmp_path)), bus, scenes, history, model=model,
                        clock=clock)
    yield svc
    svc.close()


SURE = Heard(0.95, "turn on the porch light")


def test_a_risky_request_is_asked_back_and_done_only_after_yes(
        dialog: DialogService, bus: MemoryBus) -> None:
    opened: list[float] = []
    dialog.speech.listen_for_answers(opened.append)
    asked = asyncio.run(dialog.ask("turn on the porch light", heard=SURE))
    assert asked.confirmation == "asked"
    assert asked.text == "Turn on the porch light?"
    assert asked.heard_confidence == pytest.approx(0.95)
    assert asked.model_confidence is not None and asked.model_confidence > 0.5
    assert bus.json_events("intent/device_on") == []  # nothing done yet
    assert opened == [dialog.settings.confirm_timeout_s]  # the microphone reopens
    done = asyncio.run(dialog.ask("yes please", heard=Heard(0.9, "yes please")))
    assert done.confirmation == "confirmed"
    assert done.intent == "device_on"
    [event] = bus.json_events("intent/device_on")
    assert event["device"] == "porch_light"


def test_no_cancels(dialog: DialogService, bus: MemoryBus) -> None:
    asyncio.run(dialog.ask("switch off the kitchen light", heard=SURE))
    cancelled = asyncio.run(dialog.ask("no", heard=Heard(0.9, "no")))
    assert cancelled.confirmation == "cancelled"
    late = asyncio.run(dialog.ask("yes", heard=Heard(0.9, "yes")))  # no question is open any more
    assert late.confirmation is None
    assert bus.json_events("intent/device_off") == []


def test_silence_cancels(dialog: DialogService, bus: MemoryBus, clock: Clock) -> None:
    asyncio.run(dialog.ask("arm the system", heard=Heard(0.95, "arm the system")))
    clock.now += dialog.settings.confirm_timeout_s + 1
    dialog.expire_confirmation()
    replies = bus.json_events("voice/reply")
    assert replies[-1]["confirmation"] == "expired"
    asyncio.run(dialog.ask("yes", heard=Heard(0.9, "yes")))
    assert dialog.alarm.state == "disarmed"


def test_another_request_drops_the_question(dialog: DialogService,
                                                  bus: MemoryBus) -> None:
    asyncio.run(dialog.ask("turn on the porch light", heard=SURE))
    asyncio.run(dialog.ask("what is the status", heard=Heard(0.9, "what is the status")))
    asyncio.run(dialog.ask("yes", heard=Heard(0.9, "yes")))
    assert bus.json_events("intent/device_on") == []


def test_a_doubtful_recording_is_not_acted_on(dialog: DialogService,
                                                    bus: MemoryBus) -> None:
    reply = asyncio.run(dialog.ask("turn on the porch light",
                             heard=Heard(0.3, "turn on the porch light")))
    assert reply.intent == "unknown"
    assert reply.text == "Sorry, I didn't catch that. I heard: turn on the porch light."
    assert reply.confirmation is None
    asyncio.run(dialog.ask("yes", heard=Heard(0.9, "yes")))
    assert bus.json_events("intent/device_on") == []


def test_a_disagreeing_second_pass_is_not_acted_on(dialog: DialogService) -> None:
    reply = asyncio.run(dialog.ask("arm the system",
                             heard=Heard(0.9, "arm the system", "play some music")))
    assert reply.intent == "unknown"


def test_best_hypotheses_that_disagree_are_not_acted_on(dialog: DialogService,
                                                       bus: MemoryBus) -> None:
    """The recognizer's word confidence says sure, but its other hypotheses mean other things."""
    heard = Heard(0.95, "turn on the porch light", None,
                  ("turn on the porch light", "are the porch lights on", "what is the status",
                   "stop watching the porch", "is anyone on the porch"))
    reply = asyncio.run(dialog.ask("turn on the porch light", heard=heard))
    assert reply.intent == "unknown"
    assert reply.heard_confidence is not None and reply.heard_confidence < 0.5
    assert "didn't catch" in reply.text
    asyncio.run(dialog.ask("yes", heard=Heard(0.9, "yes")))
    assert bus.json_events("intent/device_on") == []


def test_best_hypotheses_that_agree_outweigh_a_low_word_confidence(
        dialog: DialogService) -> None:
    heard = Heard(0.2, "is anyone at the front door", None,
                  ("is anyone at the front door", "is anyone at the front door now",
                   "is anyone at front door", "is anybody at the front door"))
    reply = asyncio.run(dialog.ask("is anyone at the front door", heard=heard))
    assert reply.intent == "ask_presence"
    assert reply.heard_confidence == 1.0


def test_confirm_over_mqtt(dialog: DialogService, bus: MemoryBus) -> None:
    asyncio.run(bus.send("confirm", b"yes"))  # nothing asked
    asyncio.run(dialog.ask("turn on the porch light", heard=SURE))
    asyncio.run(bus.send("confirm", b"maybe"))
    assert [e["code"] for e in bus.json_events("error")] == ["not_found", "bad_payload"]
    asyncio.run(bus.send("confirm", b"YES"))
    assert len(bus.json_events("intent/device_on")) == 1


def test_disarm_without_a_pin_is_refused_without_a_question(
        dialog: DialogService, bus: MemoryBus) -> None:
    asyncio.run(bus.send("alarm/set", b"ARM_AWAY"))
    reply = asyncio.run(dialog.ask("disarm the system", heard=Heard(0.95, "disarm the system")))
    assert reply.confirmation is None
    assert "need the alarm code" in reply.text
    asked = asyncio.run(dialog.ask("disarm the system one two three four"))
    assert asked.confirmation == "asked"
    assert bus.states["alarm/state"] == b"armed_away"
    asyncio.run(dialog.ask("yes"))
    assert bus.states["alarm/state"] == b"disarmed"


def test_safe_questions_are_answered_at_once(dialog: DialogService) -> None:
    reply = asyncio.run(dialog.ask("what is the status", heard=Heard(0.9, "what is the status")))
    assert reply.confirmation is None
    assert reply.intent == "status"


@pytest.mark.parametrize(("text", "verdict"), [
    ("yes", "yes"), ("Yes, please.", "yes"), ("go ahead", "yes"), ("no", "no"),
    ("nope", "no"), ("cancel", "no"), ("yes turn on the light", None), ("maybe", None)])
def test_answers_to_a_question(text: str, verdict: str | None) -> None:
    assert verdict_of(text) == verdict

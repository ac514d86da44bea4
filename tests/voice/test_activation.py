from __future__ import annotations

from homewatch.voice.activation import Activation
from homewatch.voice.config import ActivationConfig
from homewatch.voice.grammar import CommandGrammar


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(mode: str, grammar: CommandGrammar) -> tuple[Activation, Clock]:
    clock = Clock()
    cfg = ActivationConfig(mode=mode, listen_window_s=5.0)  # type: ignore[arg-type]
    return Activation(cfg, grammar.split_wake, clock), clock


def test_wake_mode_takes_commands_with_the_wake_phrase(grammar: CommandGrammar) -> None:
    act, _ = make("wake", grammar)
    assert act.wants_speech()
    assert act.accept("hey homewatch is anyone at the front door")
    assert not act.accept("is anyone at the front door")
    assert not act.accept("")


def test_wake_phrase_alone_opens_a_window_for_the_next_utterance(grammar: CommandGrammar) -> None:
    act, clock = make("wake", grammar)
    assert not act.accept("hey homewatch")
    clock.now += 3
    assert act.accept("arm the system")
    assert not act.accept("arm the system")  # the window was used up
    act.accept("hey homewatch")
    clock.now += 6
    assert not act.accept("arm the system")  # the window expired


def test_push_to_talk_only_listens_after_listen(grammar: CommandGrammar) -> None:
    act, clock = make("push_to_talk", grammar)
    assert not act.wants_speech()
    assert not act.accept("hey homewatch arm the system")
    act.listen()
    assert act.wants_speech()
    assert act.accept("arm the system")
    act.listen(2.0)
    act.cancel()
    assert not act.wants_speech()
    act.listen(2.0)
    clock.now += 2.5
    assert not act.wants_speech()


def test_always_mode_takes_everything_but_silence(grammar: CommandGrammar) -> None:
    act, _ = make("always", grammar)
    assert act.accept("the weather is nice today")
    assert not act.accept("")


def test_mute_for_seconds_and_while_a_block_runs(grammar: CommandGrammar) -> None:
    act, clock = make("always", grammar)
    act.mute(2.0)
    assert act.is_muted() and not act.wants_speech()
    clock.now += 2.1
    assert not act.is_muted()
    with act.muted():
        assert act.is_muted()
        clock.now += 100
        assert act.is_muted()
    assert not act.is_muted()

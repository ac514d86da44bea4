from __future__ import annotations

import pytest

from homewatch.voice.audio import SAMPLE_RATE, Pcm
from homewatch.voice.config import EndpointConfig
from homewatch.voice.endpointer import (
    Endpointer,
    Event,
    SpeechAudio,
    SpeechDiscarded,
    SpeechEnded,
    SpeechStarted,
)
from homewatch.voice.vad import EnergyVad, WebRtcVad
from tests.voice.audio_files import clip, join, silence


def run(pcm: Pcm, config: EndpointConfig | None = None) -> list[Event]:
    cfg = config or EndpointConfig()
    ep = Endpointer(cfg, WebRtcVad(cfg.vad_aggressiveness))
    events: list[Event] = []
    data = pcm.tobytes()
    for offset in range(0, len(data) - ep.frame_bytes + 1, ep.frame_bytes):
        events.extend(ep.process(data[offset:offset + ep.frame_bytes]))
    return events + ep.flush()


@pytest.mark.parametrize("name", ["silence_3s", "noise_3s"])
def test_no_speech_no_utterance(name: str) -> None:
    assert run(clip(name)) == []


def test_a_command_between_pauses_is_one_utterance() -> None:
    speech = clip("c07_piper")
    events = run(join(silence(1.0), speech, silence(1.5)))
    kinds = [type(e) for e in events]
    assert kinds[0] is SpeechStarted
    assert kinds.count(SpeechStarted) == 1
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    assert len(ended) == 1 and ended[0].reason == "silence"
    audio = sum(len(e.audio) for e in events if isinstance(e, SpeechStarted | SpeechAudio)) / 2
    assert len(speech) <= audio <= len(speech) + 1.2 * SAMPLE_RATE  # speech + pre-roll + tail
    assert abs(ended[0].duration - audio / SAMPLE_RATE) < 0.05


def test_two_commands_with_noise_between_are_two_utterances() -> None:
    pcm = join(clip("c08_piper"), silence(1.0), clip("noise_3s"), clip("c14_piper"), silence(1))
    ended = [e for e in run(pcm) if isinstance(e, SpeechEnded)]
    assert [e.reason for e in ended] == ["silence", "silence"]


def test_noise_right_after_a_command_is_not_speech() -> None:
    pcm = join(clip("c08_piper"), silence(1.0), clip("noise_3s"), silence(1.0))
    ended = [e for e in run(pcm) if isinstance(e, SpeechEnded)]
    assert len(ended) == 1 and ended[0].duration < 2.0


def test_trailing_silence_is_configurable() -> None:
    pcm = join(clip("c08_piper"), silence(0.5), clip("c14_piper"), silence(1.5))
    assert len([e for e in run(pcm) if isinstance(e, SpeechEnded)]) == 1  # 0.5 s < 0.7 s
    short = EndpointConfig(trailing_silence_s=0.3)
    assert len([e for e in run(pcm, short) if isinstance(e, SpeechEnded)]) == 2


def test_hard_cap_ends_long_speech() -> None:
    events = run(join(clip("c13_piper"), silence(1)), EndpointConfig(max_utterance_s=1.0))
    ended = [e for e in events if isinstance(e, SpeechEnded)]
    assert ended[0].reason == "max_length"
    assert ended[0].duration == pytest.approx(1.0, abs=0.05)


def test_too_little_speech_is_discarded() -> None:
    events = run(join(clip("c08_piper"), silence(1)), EndpointConfig(min_speech_s=3.0))
    assert any(isinstance(e, SpeechDiscarded) for e in events)
    assert not any(isinstance(e, SpeechEnded) for e in events)


def test_end_of_stream_closes_an_open_utterance() -> None:
    events = run(clip("c08_piper"))
    assert isinstance(events[-1], SpeechEnded) and events[-1].reason == "end_of_stream"


def test_wrong_frame_size_is_an_error() -> None:
    ep = Endpointer(EndpointConfig(), WebRtcVad())
    with pytest.raises(ValueError, match="expected 960"):
        ep.process(b"\0" * 100)


def test_energy_vad_tracks_the_noise_floor() -> None:
    vad = EnergyVad()
    noise = clip("noise_3s").tobytes()
    frames = [noise[i:i + 960] for i in range(0, len(noise) - 959, 960)]
    flagged = [vad.is_speech(f) for f in frames]
    assert sum(flagged[60:]) <= 3  # adapted to the floor after about 2 s
    speech = clip("c08_piper").tobytes()
    assert sum(vad.is_speech(speech[i:i + 960]) for i in range(0, len(speech) - 959, 960)) > 10

"""Voice activity detection on 10/20/30 ms frames of 16 kHz int16 audio.

webrtcvad (GMM on sub-band energies) is the default: on the shared recordings it marks
3 of 100 frames of `noise_3s.wav` as speech at aggressiveness 3, where an energy threshold
has to sit above the noise floor and then cuts quiet word endings (`benchmarks/voice.py`
prints both). `EnergyVad` remains for comparison and as a dependency-free fallback.

webrtcvad adapts its noise model as it goes; after an utterance it can take steady noise
for speech indefinitely (seen with `noise_3s.wav` right after a command), so the endpointer
resets it at the end of every utterance.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from homewatch.core.native import import_native
from homewatch.voice.audio import SAMPLE_RATE


class Vad(Protocol):
    def is_speech(self, frame: bytes) -> bool: ...

    def reset(self) -> None: ...


class WebRtcVad:
    def __init__(self, aggressiveness: int = 3) -> None:
        webrtcvad = import_native("webrtcvad")
        self._module = webrtcvad
        self._mode = aggressiveness
        self._vad = webrtcvad.Vad(aggressiveness)

    def reset(self) -> None:
        self._vad = self._module.Vad(self._mode)

    def is_speech(self, frame: bytes) -> bool:
        return bool(self._vad.is_speech(frame, SAMPLE_RATE))


class EnergyVad:
    """RMS above a multiple of the noise floor.

    The floor follows quieter frames at once and louder ones slowly (about 1.5 s to adapt
    at 30 ms frames), so steady noise stops counting as speech while words do not.
    """

    def __init__(self, ratio: float = 3.0, min_rms: float = 200.0, rise: float = 0.02) -> None:
        self.ratio, self.min_rms, self.rise = ratio, min_rms, rise
        self.floor = min_rms / ratio

    def reset(self) -> None:
        """The noise floor is kept: it describes the room, not the utterance."""

    def is_speech(self, frame: bytes) -> bool:
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float64)
        rms = float(np.sqrt(np.mean(samples * samples))) if len(samples) else 0.0
        speech = rms > max(self.min_rms, self.floor * self.ratio)
        if rms < self.floor:
            self.floor = max(rms, 1.0)
        else:
            self.floor += self.rise * (rms - self.floor)
        return speech

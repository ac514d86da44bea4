"""Configuration of audio input and speech recognition."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from homewatch.core.configbase import Frozen
from homewatch.models.config import ModelsConfig
from homewatch.models.resolver import ModelResolver

DEFAULT_PLACES: tuple[str, ...] = (
    "front door", "back door", "living room", "kitchen", "garden", "driveway", "backyard",
    "garage", "porch",
)
DEFAULT_DEVICES: tuple[str, ...] = (
    "porch light", "kitchen light", "living room light", "garage light", "garden light",
)
# pocketsphinx scores this many Gaussians per codebook and frame (its own default is 4): on the
# home's sentences a fifth fewer words misheard for about 1.8x the decoding time
# (benchmarks/voice.py).
TOPN = 16


class SourceConfig(Frozen):
    type: Literal["mic", "wav", "pcm", "none"] = Field(
        default="mic", description="mic: sounddevice; wav: a file played as the microphone; "
        "pcm: raw 16-bit mono little-endian on stdin (e.g. from arecord); none: no audio")
    device: str | int | None = Field(default=None, description="sounddevice input name or index")
    sample_rate: int = Field(default=16000, ge=8000, le=192000,
                             description="Rate of the pcm input; the mic falls back to the "
                             "device's own rate (resampled) when it refuses 16 kHz")
    path: Path | None = Field(default=None, description="WAV file for type wav")
    loop: bool = Field(default=False, description="wav: replay the file forever")
    realtime: bool = Field(default=True, description="wav: pace the file at real time")
    gap_s: float = Field(default=1.0, ge=0, description="wav: silence appended after each play")
    block_ms: int = Field(default=30, ge=10, le=200, description="Capture block length")
    queue_blocks: int = Field(default=100, ge=4, description="Capture queue; oldest dropped")
    retry_s: float = Field(default=5.0, gt=0, description="Wait before reopening a failed device")

    @model_validator(mode="after")
    def _wav_needs_path(self) -> SourceConfig:
        if self.type == "wav" and self.path is None:
            raise ValueError("source type 'wav' needs a path")
        return self


class EndpointConfig(Frozen):
    vad_aggressiveness: int = Field(default=3, ge=0, le=3, description="webrtcvad mode 0..3")
    frame_ms: Literal[10, 20, 30] = 30
    start_window_s: float = Field(default=0.3, gt=0, description="Window judged for speech start")
    start_ratio: float = Field(default=0.6, gt=0, le=1,
                               description="Fraction of speech frames in the window to start")
    pre_roll_s: float = Field(default=0.3, ge=0, description="Audio kept from before the start")
    trailing_silence_s: float = Field(default=0.7, gt=0, description="Silence that ends speech")
    max_utterance_s: float = Field(default=15.0, gt=0, description="Hard cap of one utterance")
    min_speech_s: float = Field(default=0.25, ge=0, description="Shorter utterances are ignored")


class ActivationConfig(Frozen):
    mode: Literal["wake", "push_to_talk", "always"] = Field(
        default="wake", description="wake: utterances starting with the wake phrase (or right "
        "after it); push_to_talk: after a voice/listen command; always: every utterance")
    wake_phrase: str = "hey homewatch"
    listen_window_s: float = Field(default=8.0, gt=0,
                                   description="How long after the wake phrase alone or a "
                                   "voice/listen command the next utterance is taken")


class RecognizerConfig(Frozen):
    engine: Literal["auto", "vosk", "pocketsphinx"] = Field(
        default="auto", description="auto: Vosk when its model is installed, else pocketsphinx")
    mode: Literal["auto", "lm", "grammar", "open"] = Field(
        default="auto", description="lm: the home's own language model (pocketsphinx); "
        "grammar: only the short command forms; open: the engine's general model; auto: lm for "
        "pocketsphinx, open for Vosk (its general model is strong)")
    verify: bool = Field(default=False, description="lm mode: decode again with the general "
                         "model; a disagreement marks speech that is not a command (costs a "
                         "second decode after the end of speech)")
    nbest: int = Field(default=10, ge=0, le=50, description="lm mode: how many of the "
                       "recognizer's best hypotheses to hand on; the dialog acts only when "
                       "their meanings agree (understanding.min_agreement). 0: off")
    topn: int = Field(default=TOPN, ge=1, le=64, description="pocketsphinx: how many Gaussians "
                      "of each codebook are scored per frame. 16 hears a fifth fewer words "
                      "wrong than the engine's own 4, for about 1.8x the decoding CPU; lower it "
                      "on a slow board whose voice replies lag")
    grammar: bool | None = Field(default=None, description="Older spelling of mode: true is "
                                 "grammar, false is open")
    vosk_model: str = Field(default="vosk-en-small",
                            description="A model directory, or a model name in models.dir")
    pronunciations: dict[str, str] = Field(
        default_factory=dict, description="pocketsphinx: extra words, e.g. "
        "{homewatch: 'HH OW M W AA CH'} (CMU phones)")
    snap_threshold: float = Field(default=80.0, ge=0, le=100,
                                  description="Similarity (0-100) needed to snap to a command")


class GrammarConfig(Frozen):
    places: tuple[str, ...] = Field(default=DEFAULT_PLACES,
                                    description="Place names besides the camera names")
    devices: tuple[str, ...] = Field(default=DEFAULT_DEVICES,
                                     description="Devices that can be turned on and off")
    templates: tuple[str, ...] = Field(
        default=(), description="Extra command templates: (a | b), [optional], {place}, "
        "{thing}, {things}, {device}, {digit}+")


class VoiceConfig(Frozen):
    enabled: bool = False
    source: SourceConfig = SourceConfig()
    endpoint: EndpointConfig = EndpointConfig()
    activation: ActivationConfig = ActivationConfig()
    recognizer: RecognizerConfig = RecognizerConfig()
    grammar: GrammarConfig = GrammarConfig()


@dataclass(frozen=True)
class VoiceSetup:
    """What the voice subsystem is handed: its settings, the model resolver, and the names the
    user gave (places and devices) that the recognizer must be able to hear."""

    settings: VoiceConfig = field(default_factory=VoiceConfig)
    models: ModelResolver = field(default_factory=lambda: ModelResolver(ModelsConfig().dir))
    places: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    state_dir: Path | None = None  # where the language model is cached

    def mode(self, engine: str) -> str:
        """The recognition mode for `engine` (auto and the older `grammar` flag resolved)."""
        rcfg = self.settings.recognizer
        if rcfg.mode != "auto":
            return rcfg.mode
        if rcfg.grammar is not None:
            return "grammar" if rcfg.grammar else "open"
        return "lm" if engine == "pocketsphinx" else "open"

"""Which services the daemon runs, built from the configuration, and how they are wired."""

from __future__ import annotations

from homewatch.config import Config
from homewatch.config.slices import dialog_setup, model_resolver, vision_setup, voice_setup
from homewatch.core.bus import Bus
from homewatch.core.messages import SceneSnapshot
from homewatch.core.service import Service
from homewatch.understanding.service import DialogService
from homewatch.vision.service import VisionService
from homewatch.voice.service import VoiceService


class NoCameras:
    """Scene state and history when no camera is configured: nothing seen, ever."""

    def cameras(self) -> list[str]:
        return []

    def snapshot(self, camera: str) -> SceneSnapshot | None:
        return None

    def last_seen(self, label: str, camera: str | None = None) -> tuple[str, float] | None:
        return None


def build_services(config: Config, bus: Bus) -> list[Service]:
    """Every long-lived subsystem the configuration asks for, wired to `bus` and each other:
    vision feeds the dialog's scene state and history, voice feeds it utterances, and the
    dialog mutes voice while it speaks."""
    services: list[Service] = []
    models = model_resolver(config)
    vision = VisionService(vision_setup(config, models), bus) \
        if any(c.enabled for c in config.cameras) else None
    if vision is not None:
        services.append(vision)
    if not config.understanding.enabled:
        return services
    nothing = NoCameras()
    dialog = DialogService(dialog_setup(config, models), bus, vision.scenes if vision else nothing,
                           vision.history if vision else nothing,
                           snapshot=vision.take_snapshot if vision else None)
    services.append(dialog)
    if config.voice.enabled:
        voice = VoiceService(voice_setup(config, models), bus, dialog.handle_utterance)
        dialog.speech.mute_while_speaking(voice.muted)
        dialog.speech.listen_for_answers(voice.listen)
        services.append(voice)
    return services

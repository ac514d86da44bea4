"""Every native library homewatch may load: LiteRT, OpenCV, pocketsphinx, Vosk, webrtcvad,
PortAudio. A library the configuration uses must load; the others only warn."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType

from homewatch.config import Config
from homewatch.core.native import NativeLibraryError, import_native
from homewatch.runtime.doctor.findings import Finding, needed, ok


@dataclass(frozen=True)
class Library:
    check: str
    modules: tuple[str, ...]  # the first that imports wins
    used: Callable[[Config], bool]
    version: Callable[[ModuleType], str]


def _dist_version(name: str) -> Callable[[ModuleType], str]:
    def version(_module: ModuleType) -> str:
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            return name
    return version


def _voice(config: Config) -> bool:
    return config.voice.enabled


LIBRARIES = (
    Library("LiteRT", ("ai_edge_litert.interpreter", "tflite_runtime.interpreter"),
            lambda c: c.vision.detector.kind != "hog" or c.understanding.enabled,
            lambda m: m.__name__.split(".", 1)[0]),
    Library("OpenCV", ("cv2",), lambda c: True, lambda m: f"OpenCV {m.__version__}"),
    Library("pocketsphinx", ("pocketsphinx",), _voice, _dist_version("pocketsphinx")),
    Library("Vosk", ("vosk",),
            lambda c: c.voice.enabled and c.voice.recognizer.engine != "pocketsphinx",
            _dist_version("vosk")),
    Library("webrtcvad", ("webrtcvad",), _voice, _dist_version("webrtcvad-wheels")),
    Library("PortAudio", ("sounddevice",),
            lambda c: c.voice.enabled and c.voice.source.type == "mic",
            lambda m: str(m.get_portaudio_version()[1])),
)


def check_library(library: Library, config: Config) -> Finding:
    errors: list[NativeLibraryError] = []
    for module in library.modules:
        try:
            loaded = import_native(module)
        except NativeLibraryError as exc:
            errors.append(exc)
            continue
        return ok(library.check, f"loads ({library.version(loaded)})")
    first = errors[0]
    return needed(library.check, library.used(config), f"cannot load: {first.cause}", first.fix)


def check_libraries(config: Config) -> list[Finding]:
    return [check_library(library, config) for library in LIBRARIES]

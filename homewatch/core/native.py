"""Optional native libraries: importing a Python module whose shared library may be missing.

A wheel like vosk or sounddevice imports fine only when the system has the C libraries it
links against (libatomic, PortAudio); a minimal Raspberry Pi OS or Debian image may lack
them, and the import then raises OSError rather than ImportError. This module turns both
into one error that names the Debian package to install.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

from homewatch.core.errors import HomewatchError

# Shared objects a wheel of ours may miss on a minimal image → the Debian package with it.
DEBIAN_PACKAGES = {
    "libatomic.so": "libatomic1",
    "libportaudio.so": "libportaudio2",
    "portaudio library not found": "libportaudio2",
    "libgomp.so": "libgomp1",
    "libstdc++.so": "libstdc++6",
    "libGL.so": "libgl1",
    "libgthread-2.0.so": "libglib2.0-0",
}
_PIP_NAMES = {"vosk": "vosk", "pocketsphinx": "pocketsphinx", "webrtcvad": "webrtcvad-wheels",
              "sounddevice": "sounddevice", "cv2": "opencv-python-headless",
              "ai_edge_litert": "ai-edge-litert", "tflite_runtime": "tflite-runtime"}


class NativeLibraryError(HomewatchError):
    """A module could not be imported because it or a library it needs is missing."""

    def __init__(self, module: str, cause: BaseException) -> None:
        self.module = module
        self.cause = cause
        self.fix = install_hint(module, cause)
        super().__init__(f"{module} cannot load: {cause}; {self.fix}")


def install_hint(module: str, cause: BaseException) -> str:
    """What to install so that `module` imports, judged from the import error."""
    text = str(cause)
    for soname, package in DEBIAN_PACKAGES.items():
        if soname.lower() in text.lower():
            return f"install the system library: sudo apt install {package}"
    missing = re.search(r"(lib[\w.+-]+\.so[\w.]*)", text)
    if isinstance(cause, OSError) and missing:
        return f"install the Debian package that provides {missing.group(1)} (apt-file search)"
    pip_name = _PIP_NAMES.get(module.split(".", maxsplit=1)[0], module)
    return f"install it into homewatch's venv: pip install {pip_name}"


def import_native(module: str) -> ModuleType:
    """`importlib.import_module`, raising NativeLibraryError with the fix on any failure."""
    try:
        return importlib.import_module(module)
    except (ImportError, OSError) as exc:
        raise NativeLibraryError(module, exc) from exc

"""A native library that fails to load, the way it does on an image without it: the import
of the wheel raises OSError from its dlopen (e.g. vosk without libatomic1)."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

import pytest

LIBATOMIC_MISSING = ("cannot load library '/opt/homewatch/lib/python3.13/site-packages/vosk/"
                     "libvosk.so': libatomic.so.1: cannot open shared object file: "
                     "No such file or directory")


class _FailingLoader(importlib.abc.Loader):
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        raise self.error


class _FailingFinder(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, error: BaseException) -> None:
        self.name, self.error = name, error

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        return importlib.machinery.ModuleSpec(fullname, _FailingLoader(self.error))


def break_import(monkeypatch: pytest.MonkeyPatch, name: str,
                 error: BaseException | None = None) -> None:
    """Until the test ends, `import name` raises `error` (default: vosk's libatomic OSError)."""
    for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        monkeypatch.delitem(sys.modules, loaded)
    finder = _FailingFinder(name, error or OSError(LIBATOMIC_MISSING))
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])

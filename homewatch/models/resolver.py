"""The one way every subsystem finds a model file: detector, labels, Vosk, fusion.

A value from the config is a catalogue name (`ssd-mobilenet-v1`), a path with a directory
part (used as given), or a plain file name, looked for in `models.dir`, then in any extra
directories, then in the package's own data. A catalogue model must be intact. When a
subsystem falls back to something else it says so once: what it looked for, where, and
what it uses instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from homewatch.core.errors import ModelError
from homewatch.models.catalog import State, catalog, check

log = logging.getLogger(__name__)

PACKAGE_DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass
class ModelResolver:
    models_dir: Path
    extra_dirs: Sequence[Path] = ()
    package_dir: Path = PACKAGE_DATA
    _said: set[str] = field(default_factory=set, repr=False)

    def candidates(self, wanted: str | Path) -> list[Path]:
        """Where `wanted` is looked for, in order."""
        name = str(wanted)
        spec = catalog().get(name)
        path = Path(spec.filename if spec is not None else name).expanduser()
        if path.is_absolute() or path.parent != Path():
            return [path]
        return [self.models_dir / path, *(d / path for d in self.extra_dirs),
                self.package_dir / path]

    def find(self, wanted: str | Path, *, rehash: bool = False,
             strict: bool = False) -> Path | None:
        """The first existing candidate, or None; a damaged catalogue model is an error, and
        with `strict` so is one that is not installed through the catalogue."""
        self._check_catalogue(str(wanted), rehash, strict)
        return next((c for c in self.candidates(wanted) if c.exists()), None)

    def require(self, wanted: str | Path, what: str = "model", *,
                rehash: bool = False, strict: bool = False) -> Path:
        found = self.find(wanted, rehash=rehash, strict=strict)
        if found is None:
            raise ModelError(f"{what} not found: {str(wanted)!r} (looked in "
                             f"{self._tried(wanted)}); {self.hint(wanted)}")
        return found

    def fallback(self, what: str, wanted: str | Path, instead: str,
                 level: int = logging.WARNING) -> None:
        """Log, once per model, that `wanted` is missing and `instead` is used."""
        key = f"{what}:{wanted}"
        if key in self._said:
            return
        self._said.add(key)
        log.log(level, "%s %s not found (looked in %s); using %s instead. %s", what, wanted,
                    self._tried(wanted), instead, self.hint(wanted))

    def hint(self, wanted: str | Path) -> str:
        spec = catalog().get(str(wanted))
        if spec is not None:
            return f"run `homewatch models pull {spec.name}`"
        return f"check the path, or install a catalogue model ({', '.join(catalog())})"

    def _tried(self, wanted: str | Path) -> str:
        return ", ".join(str(c) for c in self.candidates(wanted))

    def _check_catalogue(self, name: str, rehash: bool, strict: bool) -> None:
        spec = catalog().get(name)
        if spec is None:
            return
        result = check(spec, self.models_dir, rehash=rehash)
        if result.state is State.CORRUPT:
            raise ModelError(f"model {name} in {self.models_dir} is damaged "
                             f"({'; '.join(result.problems)}); run "
                             f"`homewatch models pull {name} --force`")
        if strict and result.state is not State.INSTALLED:
            found = " (a copy without a checksum record is there)" \
                if result.state is State.UNVERIFIED else ""
            raise ModelError(f"model {name} is not installed in {self.models_dir}{found}; "
                             f"run `homewatch models pull {name}`")
        if result.state is State.UNVERIFIED and name not in self._said:
            self._said.add(name)
            log.warning("model %s in %s has no checksum record; `homewatch models pull %s` "
                        "verifies it", name, self.models_dir, name)


def resolve_model(name_or_path: str | Path, models_dir: Path, *, rehash: bool = False,
                  extra_dirs: Sequence[Path] = ()) -> Path:
    """Where an installed model is (`homewatch models path`): a catalogue name must be
    installed and intact (sizes; all hashes with `rehash`)."""
    return ModelResolver(models_dir, extra_dirs).require(name_or_path, rehash=rehash,
                                                         strict=True)

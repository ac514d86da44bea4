"""Configured models: found by the resolver, checked against the catalogue's sha256, loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from homewatch.config import Config
from homewatch.config.slices import model_resolver
from homewatch.core.errors import HomewatchError, ModelError
from homewatch.models.catalog import Archive, ModelSpec, State, catalog, check
from homewatch.models.download import sha256_file
from homewatch.models.resolver import ModelResolver
from homewatch.models.tflite import load_interpreter
from homewatch.runtime.doctor.findings import Finding, fail, ok, skip, warn
from homewatch.understanding.model import PACKAGED
from homewatch.voice.vosk_engine import model_dir_in


@dataclass(frozen=True)
class Wanted:
    check: str
    value: str
    required: bool  # False: the daemon falls back (HOG, pocketsphinx)
    fallback: str = ""
    tflite: bool = False


def wanted_models(config: Config) -> list[Wanted]:
    found: list[Wanted] = []
    detector = config.vision.detector
    if detector.kind != "hog":
        required = detector.kind == "tflite"
        found += [Wanted("detector model", detector.model, required, "HOG people", tflite=True),
                  Wanted("detector labels", detector.labels, required, "HOG people")]
    recognizer = config.voice.recognizer
    if config.voice.enabled and recognizer.engine != "pocketsphinx":
        found.append(Wanted("Vosk model", recognizer.vosk_model, recognizer.engine == "vosk",
                            "pocketsphinx"))
    if config.understanding.enabled:
        model = config.understanding.model or PACKAGED.name
        found.append(Wanted("fusion model", str(model), True, tflite=True))
    return found


def spec_for(value: str) -> ModelSpec | None:
    """The catalogue entry a config value names, by model name or by file name."""
    specs = catalog()
    by_file = {s.filename: s for s in specs.values()}
    return specs.get(value) or by_file.get(Path(value).name)


def check_models(config: Config, *, quick: bool) -> list[Finding]:
    wanted = wanted_models(config)
    if not wanted:
        return [skip("models", "none configured")]
    resolver = model_resolver(config)
    return [check_model(w, resolver, quick=quick) for w in wanted]


def check_model(wanted: Wanted, resolver: ModelResolver, *, quick: bool) -> Finding:
    spec = spec_for(wanted.value)
    pull = f"homewatch models pull {spec.name}" if spec else resolver.hint(wanted.value)
    try:
        path = resolver.find(wanted.value, rehash=not quick)
    except ModelError as exc:
        return fail(wanted.check, str(exc), f"{pull} --force")
    if path is None:
        return _not_found(wanted, resolver, pull)
    intact, verified = _verify(spec, path, resolver.models_dir, quick=quick)
    if intact is False:
        return fail(wanted.check, verified, f"{pull} --force")
    if intact is None:
        return warn(wanted.check, verified, pull)
    problem = None if quick else _unusable(wanted, path)
    if problem is not None:
        return fail(wanted.check, problem, f"{pull} --force")
    loads = ", loads" if wanted.tflite and not quick else ""
    return ok(wanted.check, f"{path} ({verified}{loads})")


def _unusable(wanted: Wanted, path: Path) -> str | None:
    """Why the model cannot be loaded, or None."""
    if wanted.tflite:
        try:
            load_interpreter(path, num_threads=1)
        except HomewatchError as exc:
            return str(exc)
    if wanted.check == "Vosk model" and model_dir_in(path) is None:
        return f"{path} is not a Vosk model directory"
    return None


def _not_found(wanted: Wanted, resolver: ModelResolver, pull: str) -> Finding:
    instead = f"; the daemon uses {wanted.fallback} instead" if not wanted.required else ""
    tried = ", ".join(str(c) for c in resolver.candidates(wanted.value))
    detail = f"{wanted.value} not found (looked in {tried}){instead}"
    return (fail if wanted.required else warn)(wanted.check, detail, pull)


def _verify(spec: ModelSpec | None, path: Path, models_dir: Path, *,
            quick: bool) -> tuple[bool | None, str]:
    """(True, how) when intact as far as checked, (False, why) when damaged, (None, why)
    when there is nothing to check it against."""
    if spec is None:
        return True, "not a catalogue model: no checksum to compare"
    if spec.archive is Archive.FILE and spec.sha256 and path.is_file():
        if quick:
            return True, "present"
        if sha256_file(path) != spec.sha256:
            return False, (f"{path} does not match the catalogue's sha256 (damaged or "
                           "another version)")
        return True, "sha256 verified"
    state = check(spec, models_dir, rehash=not quick).state
    if state is State.INSTALLED:
        return True, "sizes verified" if quick else "sha256 verified"
    return None, f"{path} has no checksum record"

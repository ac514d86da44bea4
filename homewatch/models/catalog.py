"""Downloadable models: the catalog, installing into the models directory, verifying, resolving.

Layout of the models directory (`config.models.dir`):

    ssd_mobilenet_v1_coco_quant.tflite      a plain-file model
    vosk-model-small-en-us-0.15/            a zip model, extracted
    .homewatch/<name>.json                  marker: what was verified (archive and file hashes)
    .homewatch/downloads/<file>.part        an interrupted download, resumed next time

A model counts as installed only with its marker; every file it lists is re-hashed by `verify`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath

from homewatch.core.errors import ModelError
from homewatch.models.download import Progress, fetch, sha256_file

STATE_DIR = ".homewatch"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_EXTRACTED_BYTES = 8 * 1024**3


class Kind(StrEnum):
    DETECTOR = "detector"
    VOSK = "vosk"
    FUSION = "fusion"


class Archive(StrEnum):
    FILE = "file"  # installed as downloaded
    ZIP = "zip"  # extracted into a directory named `filename`


class State(StrEnum):
    INSTALLED = "installed"
    ABSENT = "absent"
    UNVERIFIED = "unverified"  # present without a marker (copied by hand, or an old install)
    CORRUPT = "corrupt"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: Kind
    url: str
    filename: str
    sha256: str | None  # None: no checksum is published; the user must pass one
    size: int | None
    archive: Archive = Archive.FILE
    requires: tuple[str, ...] = ()
    description: str = ""
    license: str = ""
    checksum_source: str = ""

    def __post_init__(self) -> None:
        if self.sha256 is not None and not _SHA256.match(self.sha256):
            raise ValueError(f"{self.name}: sha256 must be 64 lowercase hex digits")
        if PurePosixPath(self.filename).name != self.filename:
            raise ValueError(f"{self.name}: filename must be a plain name")

    @property
    def download_name(self) -> str:
        """The file a download is saved as, and its name on a mirror."""
        return f"{self.filename}.zip" if self.archive is Archive.ZIP else self.filename


CATALOG: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="ssd-mobilenet-v1",
        kind=Kind.DETECTOR,
        url="https://storage.googleapis.com/tfhub-lite-models/tensorflow/lite-model/"
            "ssd_mobilenet_v1/1/metadata/1.tflite",
        filename="ssd_mobilenet_v1_coco_quant.tflite",
        sha256="df027205054d6fd9af22337dd27010fb03701c9d9b122a54468a03c5078db64f",
        size=4_185_003,
        requires=("coco-labels",),
        description="COCO SSD MobileNet v1, uint8, 300x300, post-processing built in "
                    "(TensorFlow Hub tensorflow/lite-model/ssd_mobilenet_v1/1/metadata/1)",
        license="Apache-2.0",
        checksum_source="not published by Google; pinned from a verified copy of the release",
    ),
    ModelSpec(
        name="coco-labels",
        kind=Kind.DETECTOR,
        url="https://raw.githubusercontent.com/google-coral/test_data/"
            "104342d2d3480b3e66203073dac24f4e2dbb4c41/coco_labels.txt",
        filename="coco_labels.txt",
        sha256="dc183f003fc753c4c43fae6fdf7f387559449573f13fa32e517fb7453fd380f1",
        size=661,
        description="COCO labels, line i = class id i of the SSD detectors (google-coral)",
        license="Apache-2.0",
        checksum_source="not published by Google; pinned from a verified copy",
    ),
    ModelSpec(
        name="vosk-en-small",
        kind=Kind.VOSK,
        url="https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
        filename="vosk-model-small-en-us-0.15",
        sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
        size=41_205_931,
        archive=Archive.ZIP,
        description="Vosk small US English (grammar mode capable, ~300 MB RAM)",
        license="Apache-2.0",
        checksum_source="not published by Alpha Cephei; pinned from independent verified copies",
    ),
    ModelSpec(
        name="vosk-en-lgraph",
        kind=Kind.VOSK,
        url="https://alphacephei.com/vosk/models/vosk-model-en-us-0.22-lgraph.zip",
        filename="vosk-model-en-us-0.22-lgraph",
        sha256=None,
        size=None,
        archive=Archive.ZIP,
        description="Vosk US English with a dynamic graph (~128 MB zip, more accurate, "
                    "more RAM); pass --sha256",
        license="Apache-2.0",
        checksum_source="none published; pass --sha256 from a source you trust",
    ),
)


@dataclass(frozen=True)
class FileRecord:
    sha256: str
    size: int


@dataclass(frozen=True)
class Marker:
    name: str
    filename: str
    url: str
    sha256: str  # of the download (the archive for zip models)
    size: int
    archive: Archive
    files: Mapping[str, FileRecord]  # relative to the models dir
    installed_at: float = field(default_factory=time.time)

    def to_json(self) -> str:
        data = asdict(self)
        data["archive"] = str(self.archive)
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Marker:
        data = json.loads(text)
        files = {rel: FileRecord(**record) for rel, record in data.pop("files").items()}
        return cls(files=files, archive=Archive(data.pop("archive")), **data)


@dataclass(frozen=True)
class Installed:
    spec: ModelSpec
    path: Path
    downloaded: bool  # False when a verified install was already there
    resumed_from: int = 0


@dataclass(frozen=True)
class Check:
    spec: ModelSpec
    state: State
    problems: tuple[str, ...] = ()


def catalog() -> dict[str, ModelSpec]:
    return {spec.name: spec for spec in CATALOG}


def get_spec(name: str) -> ModelSpec:
    specs = catalog()
    if name not in specs:
        raise ModelError(f"unknown model {name!r}; known models: {', '.join(specs)}")
    return specs[name]


def marker_path(models_dir: Path, name: str) -> Path:
    return models_dir / STATE_DIR / f"{name}.json"


def read_marker(models_dir: Path, name: str) -> Marker | None:
    path = marker_path(models_dir, name)
    try:
        return Marker.from_json(path.read_text())
    except FileNotFoundError:
        return None
    except (ValueError, TypeError, KeyError) as exc:
        raise ModelError(f"unreadable marker {path}: {exc}") from None


def check(spec: ModelSpec, models_dir: Path, *, rehash: bool = False) -> Check:
    """Installed state; sizes only (cheap) unless `rehash`."""
    marker = read_marker(models_dir, spec.name)
    target = models_dir / spec.filename
    if marker is None:
        return Check(spec, State.UNVERIFIED if target.exists() else State.ABSENT)
    problems = [p for rel, record in marker.files.items()
                if (p := _file_problem(models_dir / rel, rel, record, rehash))]
    if spec.sha256 is not None and marker.sha256 != spec.sha256:
        problems.append(f"installed from sha256 {marker.sha256}, the catalog says {spec.sha256}")
    return Check(spec, State.CORRUPT if problems else State.INSTALLED, tuple(problems))


def _file_problem(path: Path, rel: str, record: FileRecord, rehash: bool) -> str | None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return f"{rel}: missing"
    if size != record.size:
        return f"{rel}: {size} bytes, expected {record.size}"
    if rehash and sha256_file(path) != record.sha256:
        return f"{rel}: content changed (sha256 mismatch)"
    return None


def verify(models_dir: Path, names: Sequence[str] = ()) -> list[Check]:
    """Re-hash every file of the named (default: all present) catalog models."""
    specs = [get_spec(n) for n in names] if names else list(CATALOG)
    results = [check(spec, models_dir, rehash=True) for spec in specs]
    return results if names else [r for r in results if r.state is not State.ABSENT]


def expected_checksum(spec: ModelSpec, given: str | None) -> str:
    """The checksum a download must match: the catalog's, or the user's when none is published."""
    if given is not None:
        given = given.strip().lower()
        if not _SHA256.match(given):
            raise ModelError(f"--sha256 must be 64 hex digits, got {given!r}")
        if spec.sha256 is not None and given != spec.sha256:
            raise ModelError(f"--sha256 {given} contradicts the pinned checksum {spec.sha256} "
                             f"of {spec.name}; refusing to install")
        return given
    if spec.sha256 is None:
        raise ModelError(f"{spec.name} has no published checksum, so it is never installed "
                         "unverified: pass --sha256 HEX from a source you trust")
    return spec.sha256


def mirror_url(spec: ModelSpec, mirror: str) -> str:
    return f"{mirror.rstrip('/')}/{spec.download_name}"


def pull(name: str, models_dir: Path, *, sha256: str | None = None, url: str | None = None,
         mirror: str | None = None, force: bool = False, attempts: int = 3,
         progress: Callable[[ModelSpec], Progress | None] | None = None) -> list[Installed]:
    """Install `name` and the models it requires; `sha256`/`url` apply to `name` only."""
    spec = get_spec(name)
    done = [pull(dep, models_dir, mirror=mirror, force=force, attempts=attempts,
                 progress=progress) for dep in spec.requires]
    source = url or (mirror_url(spec, mirror) if mirror else spec.url)
    report = progress(spec) if progress else None
    installed = install(spec, models_dir, sha256=sha256, url=source, force=force,
                        attempts=attempts, progress=report)
    return [*(i for group in done for i in group), installed]


def install(spec: ModelSpec, models_dir: Path, *, sha256: str | None = None,
            url: str | None = None, force: bool = False, attempts: int = 3,
            progress: Progress | None = None) -> Installed:
    checksum = expected_checksum(spec, sha256)
    try:
        with _locked(models_dir, spec.name):
            state = check(spec, models_dir, rehash=True)
            marker = read_marker(models_dir, spec.name)
            if not force and state.state is State.INSTALLED and marker is not None \
                    and marker.sha256 == checksum:
                return Installed(spec, models_dir / spec.filename, downloaded=False)
            if not force and _adopt(spec, models_dir, checksum, url or spec.url):
                return Installed(spec, models_dir / spec.filename, downloaded=False)
            download = models_dir / STATE_DIR / "downloads" / spec.download_name
            fetched = fetch(url or spec.url, download, sha256=checksum, size=spec.size,
                            attempts=attempts, progress=progress)
            marker_path(models_dir, spec.name).unlink(missing_ok=True)
            files = _place(spec, fetched.path, models_dir)
            _write_marker(models_dir, Marker(spec.name, spec.filename, url or spec.url,
                                             fetched.sha256, fetched.size, spec.archive, files))
            if spec.archive is Archive.ZIP:
                fetched.path.unlink()
            return Installed(spec, models_dir / spec.filename, True, fetched.resumed_from)
    except PermissionError as exc:
        raise ModelError(f"cannot write to {models_dir} ({exc.strerror}): run as the user that "
                         "owns it, or pass --dir") from None
    except OSError as exc:
        raise ModelError(f"cannot install {spec.name} into {models_dir}: {exc}") from None


def _adopt(spec: ModelSpec, models_dir: Path, checksum: str, url: str) -> bool:
    """Record a plain file that is already in place (copied by hand) if its checksum matches."""
    target = models_dir / spec.filename
    if spec.archive is not Archive.FILE or not target.is_file() or sha256_file(target) != checksum:
        return False
    record = FileRecord(checksum, target.stat().st_size)
    _write_marker(models_dir, Marker(spec.name, spec.filename, url, checksum, record.size,
                                     spec.archive, {spec.filename: record}))
    return True


def _place(spec: ModelSpec, download: Path, models_dir: Path) -> dict[str, FileRecord]:
    if spec.archive is Archive.ZIP:
        return _extract(download, models_dir, spec.filename)
    target = models_dir / spec.filename
    record = FileRecord(sha256_file(download), download.stat().st_size)
    os.replace(download, target)
    return {spec.filename: record}


def _extract(archive: Path, models_dir: Path, dirname: str) -> dict[str, FileRecord]:
    """Unpack into a temporary directory beside the target, then swap it in."""
    staging = Path(tempfile.mkdtemp(prefix=f".{dirname}.", dir=models_dir))
    try:
        files = _unpack(archive, staging / dirname, dirname)
        target = models_dir / dirname
        old = staging / ".old"
        if target.exists():
            os.rename(target, old)
        os.rename(staging / dirname, target)
        return files
    except zipfile.BadZipFile as exc:
        raise ModelError(f"{archive.name} is not a valid zip archive: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _unpack(archive: Path, dest: Path, dirname: str) -> dict[str, FileRecord]:
    files: dict[str, FileRecord] = {}
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        _check_members(archive, members)
        strip = _common_top(members)
        for member in members:
            rel = PurePosixPath(*PurePosixPath(member.filename).parts[strip:])
            out = dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            digest, size = _copy_member(zf, member, out)
            files[f"{dirname}/{rel}"] = FileRecord(digest, size)
    return files


def _check_members(archive: Path, members: list[zipfile.ZipInfo]) -> None:
    total = 0
    for member in members:
        path = PurePosixPath(member.filename)
        if path.is_absolute() or ".." in path.parts or "\\" in member.filename:
            raise ModelError(f"{archive.name}: unsafe path in archive: {member.filename!r}")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise ModelError(f"{archive.name}: symbolic link in archive: {member.filename!r}")
        total += member.file_size
    if total > MAX_EXTRACTED_BYTES:
        raise ModelError(f"{archive.name}: would extract {total} bytes, over the limit")
    if not members:
        raise ModelError(f"{archive.name}: empty archive")


def _common_top(members: list[zipfile.ZipInfo]) -> int:
    """1 when every member sits under one top-level directory (stripped), else 0."""
    tops = {PurePosixPath(m.filename).parts[0] for m in members}
    nested = all(len(PurePosixPath(m.filename).parts) > 1 for m in members)
    return 1 if len(tops) == 1 and nested else 0


def _copy_member(zf: zipfile.ZipFile, member: zipfile.ZipInfo, out: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with zf.open(member) as source, out.open("wb") as sink:
        for block in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(block)
            sink.write(block)
            size += len(block)
    return digest.hexdigest(), size


def _write_marker(models_dir: Path, marker: Marker) -> None:
    path = marker_path(models_dir, marker.name)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(marker.to_json())
    os.replace(tmp, path)


@contextmanager
def _locked(models_dir: Path, name: str) -> Iterator[None]:
    state = models_dir / STATE_DIR
    state.mkdir(parents=True, exist_ok=True)
    with (state / f"{name}.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ModelError(f"another download of {name} is running") from None
        yield


__all__ = [
    "CATALOG", "Archive", "Check", "Installed", "Kind", "Marker", "ModelSpec", "State",
    "catalog", "check", "get_spec", "install", "pull", "verify",
]

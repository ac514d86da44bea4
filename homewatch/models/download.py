"""Resumable, checksum-verified downloads with the standard library.

Bytes go to `<dest>.part`; an interrupted transfer continues with an HTTP Range request (from
the same run's retry or the next run), and only a file whose SHA-256 matches is renamed to
`dest`. A mismatching file is deleted, never used.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from homewatch import __version__
from homewatch.core.errors import HomewatchError

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
USER_AGENT = f"homewatch/{__version__} (model download)"
Progress = Callable[[int, int | None], None]
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class DownloadError(HomewatchError):
    """A download failed; a partial file is kept for resuming unless it is known to be bad."""


class ChecksumMismatchError(DownloadError):
    def __init__(self, url: str, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"checksum mismatch for {url}: expected sha256 {expected}, got {actual}; "
                         "the file was deleted and not used")


class _RetryableError(Exception):
    """A transient failure: the partial file is kept and the transfer resumed."""


@dataclass(frozen=True)
class Fetched:
    path: Path
    sha256: str
    size: int
    resumed_from: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def fetch(url: str, dest: Path, *, sha256: str, size: int | None = None, attempts: int = 3,
          timeout: float = 30.0, progress: Progress | None = None) -> Fetched:
    """Download `url` to `dest` (atomically), verified against `sha256` (and `size` if known)."""
    part = part_path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    resumed_from = part.stat().st_size if part.exists() else 0
    for attempt in range(1, attempts + 1):
        try:
            _transfer(url, part, size, timeout, progress)
            break
        except _RetryableError as exc:
            have = part.stat().st_size if part.exists() else 0
            if attempt == attempts:
                raise DownloadError(f"download of {url} interrupted after {have} bytes ({exc}); "
                                    "run the command again to resume") from None
            log.warning("download of %s interrupted after %d bytes (%s); resuming", url, have, exc)
            time.sleep(min(0.5 * 2 ** (attempt - 1), 5.0))
    return _verify_and_commit(url, part, dest, sha256, size=size, resumed_from=resumed_from)


def _verify_and_commit(url: str, part: Path, dest: Path, sha256: str, *, size: int | None,
                       resumed_from: int) -> Fetched:
    got = part.stat().st_size
    if size is not None and got != size:
        part.unlink()
        raise DownloadError(f"{url}: got {got} bytes, expected {size}; the file was deleted")
    actual = sha256_file(part)
    if actual != sha256.lower():
        part.unlink()
        raise ChecksumMismatchError(url, sha256.lower(), actual)
    os.replace(part, dest)
    _fsync_dir(dest.parent)
    return Fetched(dest, actual, got, resumed_from)


def _transfer(url: str, part: Path, size: int | None, timeout: float,
              progress: Progress | None) -> None:
    have = part.stat().st_size if part.exists() else 0
    if size is not None and have > size:
        part.unlink()  # cannot be a prefix of the right file
        have = 0
    if size is not None and have == size:
        return  # complete already; the checksum decides
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            return  # nothing left to send: the part is complete (or wrong, which the hash tells)
        if exc.code in (408, 429) or exc.code >= 500:
            raise _RetryableError(f"HTTP {exc.code} {exc.reason}") from None
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _RetryableError(str(getattr(exc, "reason", exc))) from None
    with response:
        start = _resume_offset(response, have)
        total = _total_size(response, start)
        if size is not None and total is not None and total != size:
            raise DownloadError(f"{url}: the server offers {total} bytes, expected {size}")
        with part.open("r+b" if start else "wb") as handle:
            handle.seek(start)
            handle.truncate()
            _copy(response, handle, start, size or total, progress)


def _resume_offset(response: http.client.HTTPResponse, have: int) -> int:
    """Where the body starts: `have` for a matching 206, else 0 (the server sent everything)."""
    if not have or getattr(response, "status", None) != 206:
        return 0
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    if match is None or int(match.group(1)) != have:
        raise _RetryableError("the server answered the range request with another range")
    return have


def _total_size(response: http.client.HTTPResponse, start: int) -> int | None:
    length = response.headers.get("Content-Length")
    return start + int(length) if length and length.isdigit() else None


def _copy(response: http.client.HTTPResponse, handle: BinaryIO, start: int,
          expected: int | None, progress: Progress | None) -> None:
    have = start
    try:
        while block := _read(response):
            handle.write(block)  # a write error (disk full) is not retried
            have += len(block)
            if expected is not None and have > expected:
                raise DownloadError(f"the server sent more than the expected {expected} bytes")
            if progress is not None:
                progress(have, expected)
    finally:
        handle.flush()
        os.fsync(handle.fileno())
    if expected is not None and have < expected:
        # http.client returns a short body without an error when the peer closes early
        raise _RetryableError(f"connection closed after {have} of {expected} bytes")


def _read(response: http.client.HTTPResponse) -> bytes:
    try:
        return response.read(CHUNK)
    except (OSError, http.client.HTTPException) as exc:
        raise _RetryableError(str(exc) or type(exc).__name__) from None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

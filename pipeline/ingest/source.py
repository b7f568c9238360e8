"""The bytes of the input files, read once: what is hashed is what is parsed.

A file can change while a run reads it (an export still being copied, a sync client). If
the hash were taken from one read of the file and the answers from another, a change and
a change back (A, then B, then A again) between the two would let a run record the hash
of version A beside the answers of version B. Inside :func:`frozen` (which
:func:`pipeline.ingest.round_reader.read_round` opens), the first read of a file keeps its bytes and
their SHA-256; every later read of the same file during the run (the safety check,
detection, the reader, the libraries it calls) gets the same bytes, so the hash recorded
in the manifest is the hash of the bytes the answers came from. :func:`release` drops a
file's bytes once it is read (its hash stays); a file read again after that and found
changed is listed by :func:`changed`.

Outside :func:`frozen` every function reads the file from disk, so the readers can be
called on their own (from a notebook, in tests).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class _Snapshot:
    data: bytes | None
    sha256: str


_FROZEN: dict[str, _Snapshot] | None = None
_CHANGED: set[str] = set()


def _key(path: Path | str) -> str:
    return os.path.abspath(path)


@contextmanager
def frozen() -> Iterator[None]:
    """Within the block, each input file is read from disk once (see the module doc)."""
    global _FROZEN
    outer = _FROZEN
    if outer is None:
        _FROZEN = {}
        _CHANGED.clear()
    try:
        yield
    finally:
        if outer is None:
            _FROZEN = None


def read_bytes(path: Path | str) -> bytes:
    """The bytes of a file (the run's copy inside :func:`frozen`). Raises OSError."""
    if _FROZEN is None:
        return Path(path).read_bytes()
    key = _key(path)
    snapshot = _FROZEN.get(key)
    if snapshot is not None and snapshot.data is not None:
        return snapshot.data
    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if snapshot is not None and snapshot.sha256 != digest:
        _CHANGED.add(key)
    _FROZEN[key] = _Snapshot(data, snapshot.sha256 if snapshot else digest)
    return data


def read_head(path: Path | str, size: int) -> bytes:
    """The first ``size`` bytes of a file (of the run's copy when there is one; else from
    the disk, without keeping the file: detection reads heads of files it may refuse).
    Raises OSError."""
    if _FROZEN is not None:
        snapshot = _FROZEN.get(_key(path))
        if snapshot is not None and snapshot.data is not None:
            return snapshot.data[:size]
    with open(path, "rb") as handle:
        return handle.read(size)


def open_binary(path: Path | str) -> io.BytesIO:
    """The file as a binary stream over its bytes, for libraries that take a file object
    (zipfile, openpyxl, calamine). Raises OSError."""
    return io.BytesIO(read_bytes(path))


def sha256(path: Path | str) -> str:
    """Hex SHA-256 of the bytes read (inside :func:`frozen`: of the run's copy)."""
    if _FROZEN is not None:
        read_bytes(path)
        return _FROZEN[_key(path)].sha256
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def release(path: Path | str) -> None:
    """Drop the run's copy of a file's bytes (its hash is kept)."""
    if _FROZEN is not None and _key(path) in _FROZEN:
        _FROZEN[_key(path)].data = None


def changed() -> set[str]:
    """Absolute paths of the files found changed when read again after :func:`release`."""
    return set(_CHANGED)

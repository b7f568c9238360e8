"""The run manifest: what went in, what came out, and how long each step took.

It also decides whether a run is needed: the *fingerprint* combines the hashes of every
input file, the survey definition, the registry and the pipeline's own code, the way make
compares timestamps. Same fingerprint and outputs present: the outputs are up to date.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pipeline.paths import SOURCE_ROOT

MANIFEST_NAME = "manifest.json"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read ``chunk`` bytes at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def list_inputs(folder: Path) -> list[Path]:
    """Every file of a round folder that a reader may take, sorted."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def hash_inputs(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file in the round folder.

    A file larger than the readers take (:data:`pipeline.ingest.safe.MAX_FILE_BYTES`) is
    not hashed (it would take minutes and the run refuses it anyway): its entry is its
    size. A file that cannot be read gets the reason instead of a hash. Never raises for
    one file (the readers report it)."""
    from pipeline.ingest.safe import MAX_FILE_BYTES

    hashes: dict[str, str] = {}
    for path in list_inputs(folder):
        try:
            size = path.stat().st_size
            digest = sha256_file(path) if size <= MAX_FILE_BYTES else f"not read: {size} bytes"
        except OSError as exc:
            digest = f"not read: {exc.strerror or exc}"
        hashes[path.relative_to(folder).as_posix()] = digest
    return hashes


def code_hash() -> str:
    """Hash of the pipeline package's source, so a code change makes outputs stale."""
    digest = hashlib.sha256()
    package = SOURCE_ROOT / "pipeline"
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(
    inputs: dict[str, str], survey_sha: str, registry_sha: str, extra: dict[str, Any]
) -> str:
    payload = json.dumps(
        {
            "inputs": inputs,
            "survey": survey_sha,
            "registry": registry_sha,
            "code": code_hash(),
            **extra,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def stale_reason(out_dir: Path, expected: str, processed_dir: Path | None = None) -> str | None:
    """Why the outputs in ``out_dir`` (and the tables in ``processed_dir``) are not up to
    date for the fingerprint ``expected``, or None when they are: made from the same
    fingerprint, and every file the manifest lists still there with the same SHA-256."""
    manifest = read_manifest(out_dir)
    if not manifest:
        return "no outputs yet" if not out_dir.exists() else "no readable manifest.json"
    if manifest.get("fingerprint") != expected:
        return "inputs, survey definition, registry or code changed"
    listed = [(out_dir, manifest.get("outputs"))]
    if processed_dir is not None:
        listed.append((processed_dir, manifest.get("processed")))
    for folder, files in listed:
        if not isinstance(files, list):
            return f"the manifest lists no files of {folder.name}/"
        for entry in files:
            path = folder / str(entry.get("path", ""))
            if not path.is_file():
                return f"{path} is missing"
            if path.stat().st_size != entry.get("bytes") or sha256_file(path) != entry.get("sha256"):
                return f"{path} was changed since the run that wrote it"
    return None


def is_up_to_date(out_dir: Path, expected: str, processed_dir: Path | None = None) -> bool:
    """True when :func:`stale_reason` finds nothing."""
    return stale_reason(out_dir, expected, processed_dir) is None


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def file_list(folder: Path) -> list[dict[str, Any]]:
    """``path, sha256, bytes`` of every file under ``folder`` but the manifest."""
    return [
        {"path": p.relative_to(folder).as_posix(), "sha256": sha256_file(p), "bytes": p.stat().st_size}
        for p in _files(folder)
        if p.name != MANIFEST_NAME
    ]


def write_manifest(
    out_dir: Path, manifest: dict[str, Any], processed_dir: Path | None = None
) -> Path:
    """Write ``manifest.json`` into ``out_dir`` with the hash of every output file (and of
    every processed table in ``processed_dir``, listed as ``processed``)."""
    extra = {"outputs": file_list(out_dir)}
    if processed_dir is not None:
        extra["processed"] = file_list(processed_dir)
    path = out_dir / MANIFEST_NAME
    path.write_text(json.dumps({**manifest, **extra}, indent=2, default=str) + "\n", encoding="utf-8")
    return path

"""Charts not redrawn when what they show is unchanged.

Drawing a chart (layout, PNG at 200 dpi, SVG) is most of the time of a run, and analysts
re-run a round many times while a chapter's wording or a threshold changes. A chart is a
deterministic function of the values its drawer reads, so :func:`cached_draw` lets the
drawer read the run through a recording proxy: every value reached (a table, a statistic,
a label, a threshold, the result of a method such as ``survey.choice_labels(...)``) is
recorded with its path from the drawer's context and a digest of the value. The files and
words of the chart are stored with that record, under a key of the chart id, the
pipeline's source, the house style and the versions of the libraries that draw.

On the next run the recorded paths are followed again on the new context. When every value
has the same digest, the drawer would read the same values and make the same drawing, so
the stored files are copied instead (byte for byte the files a drawing writes). A changed
value redraws only the charts that read it: a threshold shown by no chart, or a report
chapter's wording, redraws nothing.

Anything the proxy cannot follow safely (an unusual argument, a value it cannot digest,
the issue log) makes that drawing uncacheable: the chart is drawn every time, never served
stale. A broken or unreadable cache is a miss, never an error.

The cache is active inside :func:`chart_cache` (``pipeline.run`` uses
``data/processed/.chart-cache``); without it, :func:`cached_draw` just draws.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, partial
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_FOLDER: ContextVar[Path | None] = ContextVar("emg_chart_cache", default=None)
KEEP = 4  # entries kept per chart (the most recently used)
RECORD = "record.json"
LIBRARIES = ("matplotlib", "numpy", "pandas", "pillow", "networkx", "scipy")
_SCALARS = (str, int, float, bool, type(None))


@contextmanager
def chart_cache(folder: Path | None) -> Iterator[None]:
    """Charts drawn within the block are cached in ``folder`` (None: no cache)."""
    token = _FOLDER.set(Path(folder) if folder is not None else None)
    try:
        yield
    finally:
        _FOLDER.reset(token)


def in_this_cache(job: Callable[[], Any]) -> Callable[[], Any]:
    """``job`` run within the cache active now (:func:`chart_cache`), wherever and whenever
    it runs: on a forked process or later in this one
    (:class:`~pipeline.report.side_jobs.SideJobs`)."""
    return partial(_within, _FOLDER.get(), job)


def _within(folder: Path | None, job: Callable[[], Any]) -> Any:
    with chart_cache(folder):
        return job()


# -- digests of values ----------------------------------------------------------------------


class Uncacheable(Exception):
    """A value or an access the cache cannot follow safely."""


def digest(value: Any) -> str:
    """A digest of ``value`` that is equal for equal values across processes; raises
    :class:`Uncacheable` for a value it cannot digest."""
    h = hashlib.sha256()
    _feed(h, value)
    return h.hexdigest()[:32]


def _feed(h: Any, value: Any) -> None:
    if isinstance(value, (*_SCALARS, np.generic, Path)):
        h.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, bytes):
        h.update(b"bytes:" + hashlib.sha256(value).digest())
    elif isinstance(value, pd.DataFrame):
        h.update(f"frame:{list(map(str, value.columns))!r}:{list(map(str, value.dtypes))!r}:".encode())
        h.update(f"{value.attrs!r}:{value.columns.names!r}:{value.index.names!r}".encode())
        _feed_frame_values(h, value)
    elif isinstance(value, pd.Series):
        h.update(f"series:{value.name!r}:{value.dtype}:".encode())
        _feed_frame_values(h, value.to_frame(name="value"))
    elif isinstance(value, pd.Index):
        h.update(f"index:{value.dtype}:{value.names!r}:".encode())
        _feed_frame_values(h, pd.DataFrame(index=value))
    elif isinstance(value, np.ndarray):
        h.update(f"array:{value.dtype}:{value.shape}:".encode())
        if value.dtype.kind == "O":
            for item in value.ravel().tolist():
                _feed(h, item)
        else:
            h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        h.update(f"{type(value).__name__}:{len(value)}[".encode())
        for item in value:
            _feed(h, item)
        h.update(b"]")
    elif isinstance(value, (set, frozenset)):
        h.update(f"set:{sorted(digest(v) for v in value)!r};".encode())
    elif isinstance(value, dict):
        h.update(f"dict:{len(value)}{{".encode())
        for key, item in value.items():
            _feed(h, key)
            _feed(h, item)
        h.update(b"}")
    elif _is_pydantic(value):
        h.update(f"model:{type(value).__qualname__}:".encode())
        h.update(value.model_dump_json().encode())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        h.update(f"dataclass:{type(value).__qualname__}(".encode())
        for f in dataclasses.fields(value):
            h.update(f"{f.name}=".encode())
            _feed(h, getattr(value, f.name))
        h.update(b")")
    else:
        raise Uncacheable(f"cannot digest a {type(value).__qualname__}")


SMALL_CELLS = 4096  # a frame of at most this many cells (index included) is fed cell by cell
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _feed_frame_values(h: Any, frame: pd.DataFrame) -> None:
    if (len(frame) + 1) * (frame.shape[1] + 1) <= SMALL_CELLS and _feed_cells(h, frame):
        return
    try:
        hashed = pd.util.hash_pandas_object(frame, index=True, categorize=False)
        h.update(hashed.to_numpy().tobytes())
        h.update(pd.util.hash_pandas_object(frame.index, categorize=False).to_numpy().tobytes())
    except (TypeError, ValueError):  # unhashable cells (lists): their text stands in
        h.update(frame.to_csv(lineterminator="\n").encode())
    # pandas hashes an object column's cells by their text (1 and "1" alike): the cells'
    # types tell them apart (a number and a text are written differently)
    is_object = pd.api.types.is_object_dtype
    objects = [frame.index] if is_object(frame.index.dtype) else []
    objects += [frame.iloc[:, i] for i, kind in enumerate(frame.dtypes) if is_object(kind)]
    for values in objects:
        h.update("|".join(type(v).__name__ for v in values.tolist()).encode())


def _feed_cells(h: Any, frame: pd.DataFrame) -> bool:
    """Feed a small frame's index and columns cell by cell (each cell's type and exact
    text), which for the tables of a profile or a chart is several times faster than
    hashing them with pandas; False, and nothing fed, when a column is not of a plain kind
    (numbers, booleans, text, objects; not categories or dates) or holds a cell that is not
    a plain scalar (a list, NA, a date)."""
    series = [frame.index, *(column for _, column in frame.items())]
    if not all(_plain_kind(s.dtype) for s in series):
        return False
    columns = [s.tolist() for s in series]
    kinds = [list(map(type, values)) for values in columns]
    if not _PLAIN.issuperset(kind for column in kinds for kind in column):
        return False
    h.update(b"cells:")
    for values, types in zip(columns, kinds, strict=True):
        h.update("|".join(kind.__name__ for kind in types).encode())
        h.update(repr(values).encode())
        h.update(b";")
    return True


def _plain_kind(dtype: Any) -> bool:
    return (isinstance(dtype, np.dtype) and dtype.kind in "biufO") or isinstance(dtype, pd.StringDtype)


def _is_pydantic(value: Any) -> bool:
    return hasattr(type(value), "model_dump_json") and hasattr(type(value), "model_fields")


# -- the recording proxy --------------------------------------------------------------------


class _Recorder:
    """The values a drawer reached: (path of steps from the context, digest) pairs."""

    def __init__(self) -> None:
        self.reads: list[tuple[list[Any], str]] = []
        self.ok = True
        self.why = ""

    def leaf(self, steps: list[Any], value: Any) -> Any:
        if self.ok:
            try:
                self.reads.append((steps, digest(value)))
            except Uncacheable as exc:
                self.fail(str(exc))
        return value

    def fail(self, why: str) -> None:
        if self.ok:
            self.ok, self.why = False, why

    def wrap(self, steps: list[Any], value: Any) -> Any:
        """``value`` as the drawer should see it: a proxy for what it may read into, the
        value itself (recorded) for a leaf."""
        if _follow(value):
            return _Proxy(value, steps, self)
        if _is_log(value):
            self.fail("the drawer reached the issue log")
            return value
        return self.leaf(steps, value)


def _follow(value: Any) -> bool:
    """Objects read into attribute by attribute: mappings, survey models and the
    pipeline's own objects (the run, the survey, the registry)."""
    if isinstance(value, dict) or _is_pydantic(value):
        return True
    module = type(value).__module__ or ""
    return module.startswith("pipeline.") and not _is_log(value) and not callable(value)


def _is_log(value: Any) -> bool:
    return type(value).__name__ == "IssueLog"


def _plain(value: Any) -> Any:
    """``value`` as JSON (scalars and tuples or lists of them); raises Uncacheable."""
    if isinstance(value, _SCALARS):
        if isinstance(value, float) and not np.isfinite(value):
            raise Uncacheable("a non-finite argument")
        return value
    if isinstance(value, (tuple, list)):
        return {type(value).__name__: [_plain(v) for v in value]}
    raise Uncacheable(f"an argument of type {type(value).__qualname__}")


def _unplain(value: Any) -> Any:
    if isinstance(value, dict):
        ((kind, items),) = value.items()
        items = [_unplain(v) for v in items]
        return tuple(items) if kind == "tuple" else items
    return value


class _Proxy:
    """Stands in for an object of the drawer's context and records what is read from it."""

    __slots__ = ("_emg_obj", "_emg_rec", "_emg_steps")

    def __init__(self, obj: Any, steps: list[Any], recorder: _Recorder) -> None:
        object.__setattr__(self, "_emg_obj", obj)
        object.__setattr__(self, "_emg_steps", steps)
        object.__setattr__(self, "_emg_rec", recorder)

    def _emg_step(self, step: list[Any]) -> list[Any]:
        return [*self._emg_steps, step]

    @property  # isinstance() and dataclass checks see the real class
    def __class__(self) -> type:  # type: ignore[override]
        return type(self._emg_obj)

    def __getattr__(self, name: str) -> Any:
        obj, rec = self._emg_obj, self._emg_rec
        if name.startswith("__"):
            value = getattr(obj, name)  # AttributeError when the object has none
            rec.fail(f"the drawer used {name}")
            return value
        value = getattr(obj, name)
        if callable(value) and not isinstance(value, type) and hasattr(value, "__self__"):
            return self._emg_method(name, value)
        return rec.wrap(self._emg_step(["attr", name]), value)

    def _emg_method(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        rec = self._emg_rec

        def call(*args: Any, **kwargs: Any) -> Any:
            if name in {"items", "values", "keys", "__iter__"} and not args and not kwargs:
                rec.leaf(self._emg_step(["whole"]), self._emg_obj)
                return method()
            try:
                step = ["call", name, _plain(list(args)), {k: _plain(v) for k, v in kwargs.items()}]
            except Uncacheable as exc:
                rec.fail(str(exc))
                return method(*args, **kwargs)
            value = method(*args, **kwargs)
            if isinstance(value, dict):  # a dict a method makes is read whole
                return rec.leaf(self._emg_step(step), value)
            return rec.wrap(self._emg_step(step), value)

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        self._emg_rec.fail("the drawer changed its context")
        setattr(self._emg_obj, name, value)

    def __getitem__(self, key: Any) -> Any:
        try:
            step = ["item", _plain(key)]
        except Uncacheable as exc:
            self._emg_rec.fail(str(exc))
            return self._emg_obj[key]
        return self._emg_rec.wrap(self._emg_step(step), self._emg_obj[key])

    def __contains__(self, key: Any) -> bool:
        found = key in self._emg_obj
        try:
            self._emg_rec.leaf(self._emg_step(["contains", _plain(key)]), found)
        except Uncacheable as exc:
            self._emg_rec.fail(str(exc))
        return found

    def __bool__(self) -> bool:
        return bool(self._emg_rec.leaf(self._emg_step(["bool"]), bool(self._emg_obj)))

    def __len__(self) -> int:
        return int(self._emg_rec.leaf(self._emg_step(["len"]), len(self._emg_obj)))

    def __iter__(self) -> Iterator[Any]:
        self._emg_rec.leaf(self._emg_step(["whole"]), self._emg_obj)
        return iter(self._emg_obj)

    def __eq__(self, other: object) -> bool:
        self._emg_rec.fail("the drawer compared a context object")
        return bool(self._emg_obj == (other._emg_obj if isinstance(other, _Proxy) else other))

    def __hash__(self) -> int:
        self._emg_rec.fail("the drawer hashed a context object")
        return hash(self._emg_obj)

    def __repr__(self) -> str:
        self._emg_rec.fail("the drawer printed a context object")
        return repr(self._emg_obj)

    def __str__(self) -> str:
        return str(self._emg_rec.leaf(self._emg_step(["str"]), str(self._emg_obj)))


def _follow_steps(context: Any, steps: list[Any], memo: dict[str, Any]) -> Any:
    """The value at the end of ``steps`` from ``context`` (raises on any mismatch);
    ``memo`` keeps the values at the paths already followed."""
    value = context
    for i, step in enumerate(steps):
        key = json.dumps(steps[: i + 1])
        if key in memo:
            value = memo[key]
            continue
        value = _step(value, step)
        memo[key] = value
    return value


def _step(value: Any, step: list[Any]) -> Any:
    kind = step[0]
    if kind == "attr":
        return getattr(value, step[1])
    if kind == "call":
        args = _unplain(step[2])
        kwargs = {k: _unplain(v) for k, v in step[3].items()}
        return getattr(value, step[1])(*args, **kwargs)
    if kind == "item":
        return value[_unplain(step[1])]
    if kind == "contains":
        return _unplain(step[1]) in value
    if kind == "bool":
        return bool(value)
    if kind == "len":
        return len(value)
    if kind == "str":
        return str(value)
    if kind == "whole":
        return value
    raise Uncacheable(f"unknown step {kind}")


# -- the cache ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> str:
    """What every drawing depends on besides its values: the pipeline's source, the
    Python and library versions (the house style is in the source)."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    h.update(sys.version.encode())
    for name in LIBRARIES:
        try:
            h.update(f"{name}={metadata.version(name)};".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=none;".encode())
    return h.hexdigest()[:32]


def _static_key(chart_id: str, draw: Callable[..., Any]) -> str:
    name = f"{getattr(draw, '__module__', '')}.{getattr(draw, '__qualname__', repr(draw))}"
    return hashlib.sha256(f"{chart_id}|{name}|{_environment()}".encode()).hexdigest()[:32]


def cached_draw(
    chart_id: str, draw: Callable[[Any, Path], Any], context: Any, out_dir: Path
) -> Any:
    """``draw(context, out_dir)``, or the stored files and words of the same drawing.

    Returns what the drawer returns (a chart, or None when it has nothing to draw)."""
    folder = _FOLDER.get()
    if folder is None:
        return draw(context, out_dir)
    folder = folder / _safe_name(chart_id)
    static = _static_key(chart_id, draw)
    hit = _lookup(folder, static, context, out_dir)
    if hit is not None:
        return hit
    recorder = _Recorder()
    try:
        chart = draw(_Proxy(context, [], recorder), out_dir)
    except Exception:
        # the drawer fails through the proxy: draw it plainly (its own error, if any,
        # is then the drawer's, not the cache's)
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close("all")
        return draw(context, out_dir)
    if chart is not None and recorder.ok:
        _store(folder, static, recorder.reads, chart)
    return chart


def cached_copy(chart_id: str, draw: Callable[[Any, Path], Any], context: Any, out_dir: Path) -> Any:
    """The stored files and words of ``draw``'s chart when the values it reads are unchanged
    (copied into ``out_dir``, as :func:`cached_draw` would), else None: nothing is drawn."""
    folder = _FOLDER.get()
    if folder is None:
        return None
    return _lookup(folder / _safe_name(chart_id), _static_key(chart_id, draw), context, out_dir)


def _safe_name(chart_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in chart_id) or "chart"


def _lookup(folder: Path, static: str, context: Any, out_dir: Path) -> Any:
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    except OSError:
        return None
    for entry in entries:
        try:
            record = json.loads((entry / RECORD).read_text(encoding="utf-8"))
            if record["static"] != static or not _same_values(context, record["reads"]):
                continue
            return _restore(entry, record, out_dir)
        except (OSError, ValueError, KeyError, TypeError):  # damaged: drawn again
            shutil.rmtree(entry, ignore_errors=True)
    return None


def _same_values(context: Any, reads: list[list[Any]]) -> bool:
    memo: dict[str, Any] = {}
    digests: dict[str, str] = {}
    for steps, expected in reads:
        key = json.dumps(steps)
        if key not in digests:
            try:
                digests[key] = digest(_follow_steps(context, steps, memo))
            except Exception:  # any failure to follow the path: not the same values
                return False
        if digests[key] != expected:
            return False
    return True


def _restore(entry: Path, record: dict[str, Any], out_dir: Path) -> Any:
    from pipeline.report.figure import Chart

    out_dir.mkdir(parents=True, exist_ok=True)
    words = record["chart"]
    files = {}
    for field in ("png", "svg"):
        name = words[field]
        shutil.copyfile(entry / field, out_dir / name)
        files[field] = out_dir / name
    os.utime(entry)  # most recently used
    return Chart(**{**{k: v for k, v in words.items() if k not in files}, **files})


def _store(folder: Path, static: str, reads: list[tuple[list[Any], str]], chart: Any) -> None:
    from pipeline.report.figure import Chart

    if type(chart) is not Chart:
        return
    words: dict[str, Any] = {}
    for f in dataclasses.fields(chart):
        value = getattr(chart, f.name)
        words[f.name] = value.name if f.name in ("png", "svg") else value
    record = {"static": static, "reads": [[steps, d] for steps, d in reads], "chart": words}
    text = json.dumps(record, ensure_ascii=False, sort_keys=True)
    name = hashlib.sha256(text.encode()).hexdigest()[:24]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder / name, ignore_errors=True)  # there only if damaged
        scratch = Path(tempfile.mkdtemp(prefix=".new-", dir=folder))
        shutil.copyfile(chart.png, scratch / "png")
        shutil.copyfile(chart.svg, scratch / "svg")
        (scratch / RECORD).write_text(text, encoding="utf-8")
        try:
            scratch.rename(folder / name)
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)
        _prune(folder)
    except OSError:
        return


def _prune(folder: Path, keep: int = KEEP) -> None:
    entries = sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime_ns,
        reverse=True,
    )
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)


# -- whole files that are a function of a value ---------------------------------------------

FILES = "files"  # sub-folder of the cache for documents (one per kind of file)
KEEP_FILES = 2000  # files kept per kind (the most recently used), e.g. profiles of many rounds
KEEP_ENTRIES = 64  # sets of files kept per kind (restore_files), e.g. the PDFs of several rounds


@lru_cache(maxsize=1)
def _document_environment() -> str:
    """What a document depends on besides its content: the pipeline's source and library
    versions (:func:`_environment`), python-docx's version and the reference template."""
    h = hashlib.sha256(_environment().encode())
    try:
        h.update(f"python-docx={metadata.version('python-docx')};".encode())
    except metadata.PackageNotFoundError:
        h.update(b"python-docx=none;")
    templates = Path(__file__).resolve().parent / "templates"
    for path in sorted(templates.glob("*.docx")):
        h.update(path.name.encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:32]


def cached_file(
    kind: str,
    content: Any,
    path: Path,
    write: Callable[[Path], Any],
    libraries: tuple[str, ...] = (),
    recheck: bool = False,
) -> bool:
    """Write ``path`` with ``write(path)``, or copy the file a previous ``write`` made of the
    same ``content`` (every value the writer puts into the file, digested with
    :func:`digest`); True when it came from the cache. ``libraries``: distributions the
    writer uses besides those of :func:`_document_environment` (their versions are part of
    the key).

    Meant for documents that are a deterministic function of their content (the run date
    included: the zip entries are dated with it), so that the copy is byte for byte the
    file the writer would make. Outside :func:`chart_cache`, or for content that cannot be
    digested, the writer just writes; a damaged or unwritable cache is a miss.
    ``recheck``: the content is digested again after writing and the file kept only if it
    is unchanged (for a writer handed a large object, such as a whole run, that might
    change what it was handed: the next run then writes it again)."""
    stored = _kept_path(kind, content, path, libraries)
    if stored is None:
        write(path)
        return False
    if _copy_kept(stored, path):
        return True
    write(path)
    if recheck and _kept_path(kind, content, path, libraries) != stored:  # the writer changed it
        return False
    scratch = None
    try:
        stored.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(prefix=".new-", dir=stored.parent)
        os.close(fd)
        shutil.copyfile(path, scratch)
        os.replace(scratch, stored)
        _prune_files(stored.parent)
    except OSError:
        if scratch is not None:
            Path(scratch).unlink(missing_ok=True)
    return False


def copied_from_cache(kind: str, content: Any, path: Path, libraries: tuple[str, ...] = ()) -> bool:
    """Copy to ``path`` the file :func:`cached_file` keeps for the same ``kind``,
    ``content`` and ``libraries``, when it keeps one; True when copied. Nothing is
    written otherwise: for a caller that writes what is missing elsewhere (on other
    processes) and need not send them what is already there."""
    stored = _kept_path(kind, content, path, libraries)
    return stored is not None and _copy_kept(stored, path)


def _kept_path(kind: str, content: Any, path: Path, libraries: tuple[str, ...]) -> Path | None:
    """Where :func:`cached_file` keeps the file of ``content`` (named by its digest); None
    outside :func:`chart_cache` or for content that cannot be digested."""
    folder = _FOLDER.get()
    if folder is None:
        return None
    try:
        key = digest([kind, _document_environment(), _versions(libraries), content])
    except Uncacheable:
        return None
    return folder / FILES / _safe_name(kind) / f"{key}{path.suffix}"


def _copy_kept(stored: Path, path: Path) -> bool:
    """Copy the kept file ``stored`` to ``path``; False when there is none (or it cannot
    be read: a miss)."""
    try:
        if stored.is_file():
            shutil.copyfile(stored, path)
            os.utime(stored)  # most recently used
            return True
    except OSError:
        pass
    return False


@lru_cache(maxsize=16)
def _versions(libraries: tuple[str, ...]) -> str:
    found = []
    for name in libraries:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=none")
    return ";".join(found)


def _prune_files(store: Path) -> None:
    entries = [p for p in store.iterdir() if p.is_file() and not p.name.startswith(".")]
    if len(entries) <= KEEP_FILES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP_FILES:]:
        old.unlink(missing_ok=True)


def _entry(kind: str, content: Any) -> Path | None:
    folder = _FOLDER.get()
    if folder is None:
        return None
    try:
        key = digest([kind, _document_environment(), content])
    except Uncacheable:
        return None
    return folder / FILES / _safe_name(kind) / key


def restore_files(kind: str, content: Any, targets: dict[str, Path]) -> bool:
    """Copy the files kept by :func:`keep_files` for the same ``content`` to ``targets``
    (name -> path); False, and nothing copied, unless every one of them is kept."""
    entry = _entry(kind, content)
    if entry is None:
        return False
    try:
        if not all((entry / name).is_file() for name in targets):
            return False
        for name, target in targets.items():
            shutil.copyfile(entry / name, target)
        os.utime(entry)
    except OSError:
        return False
    return True


def keep_files(kind: str, content: Any, files: dict[str, Path]) -> None:
    """Keep copies of ``files`` (name -> path) as what ``content`` makes (see
    :func:`restore_files`); a cache that cannot be written is left as it is."""
    entry = _entry(kind, content)
    if entry is None:
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".new-", dir=entry.parent))
        for name, path in files.items():
            shutil.copyfile(path, scratch / name)
        shutil.rmtree(entry, ignore_errors=True)
        try:
            scratch.rename(entry)
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)
        _prune(entry.parent, KEEP_ENTRIES)
    except OSError:
        return

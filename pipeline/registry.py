"""The entity registry: canonical ids, names and aliases of the EMG member entities.

The registry lives in ``data/reference/entities.csv`` so that analysts correct the member
list without touching code. :meth:`Registry.resolve` maps any spelling an agency uses
("UN Environment", "unep", "United Nations Environment Programme") to its canonical id,
and :meth:`Registry.suggest` proposes the closest entries for a name it does not know.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.errors import Issue, SpecError

REGISTRY_COLUMNS = [
    "entity_id",
    "acronym",
    "full_name",
    "aliases",
    "entity_type",
    "verified",
    "member_since",
    "notes",
]


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_LEADING_THE = re.compile(r"^the ")
_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Casefold, strip accents and punctuation, collapse spaces: the key names match on.
    (Patterns compiled once: a registry of 10,000 offices normalises some 60,000 names.)"""
    text = str(name)
    if not text.isascii():  # ASCII has nothing to decompose
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold()
    text = _NOT_ALNUM.sub(" ", text)
    text = _LEADING_THE.sub("", text.strip())
    return _SPACES.sub(" ", text)


@dataclass(frozen=True)
class Registry:
    """Entities known to the pipeline, with a lookup from every spelling to an id."""

    table: pd.DataFrame
    source: str = ""

    def __post_init__(self) -> None:
        keys: dict[str, str] = {}
        for row in self.table.itertuples(index=False):
            names = [row.entity_id, row.acronym, row.full_name, *str(row.aliases).split("|")]
            for name in names:
                key = normalise_name(name)
                if key and keys.setdefault(key, row.entity_id) != row.entity_id:
                    raise SpecError(
                        [
                            Issue(
                                "error",
                                "registry-ambiguous",
                                f"the name '{name}' is given to both {keys[key]} and "
                                f"{row.entity_id}; each name must point to one entity",
                                file=self.source,
                            )
                        ]
                    )
        object.__setattr__(self, "_keys", keys)

    @property
    def ids(self) -> list[str]:
        return self.table["entity_id"].tolist()

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in set(self.table["entity_id"])

    def __len__(self) -> int:
        return len(self.table)

    def resolve(self, name: object) -> str | None:
        """The canonical id for ``name`` in any known spelling, or None."""
        if name is None or (isinstance(name, float) and pd.isna(name)):
            return None
        return self._keys.get(normalise_name(str(name)))  # type: ignore[attr-defined]

    def resolve_series(self, names: pd.Series) -> pd.Series:
        """Vectorised :meth:`resolve`: ids, or <NA> where a name is unknown."""
        keys: dict[str, str] = self._keys  # type: ignore[attr-defined]
        uniques = pd.unique(names.dropna().astype(str))
        ids = set(self.table["entity_id"])  # an id resolves to itself (names are unique)
        mapping = {u: u if u in ids else keys.get(normalise_name(u)) for u in uniques}
        return names.astype("string").map(mapping).astype("string")

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """The registry entries whose names are closest to ``name`` (as 'ACRONYM (Full name)')."""
        keys: dict[str, str] = self._keys  # type: ignore[attr-defined]
        matches = process.extract(
            normalise_name(name), list(keys), scorer=fuzz.token_set_ratio, limit=limit * 4
        )
        seen: list[str] = []
        for key, _score, _ in matches:
            entity = keys[key]
            if entity not in seen:
                seen.append(entity)
            if len(seen) == limit:
                break
        return [self.display(e) for e in seen]

    def acronym(self, entity_id: str) -> str:
        return str(self._row(entity_id)["acronym"])

    def full_name(self, entity_id: str) -> str:
        return str(self._row(entity_id)["full_name"])

    def display(self, entity_id: str) -> str:
        return f"{self.acronym(entity_id)} ({self.full_name(entity_id)})"

    def acronyms(self) -> dict[str, str]:
        return dict(zip(self.table["entity_id"], self.table["acronym"], strict=True))

    def _row(self, entity_id: str) -> pd.Series:
        rows = self.table.loc[self.table["entity_id"] == entity_id]
        if rows.empty:
            raise KeyError(entity_id)
        return rows.iloc[0]


def _registry_text(path: Path) -> str:
    """The registry file as text: UTF-8 (with or without the BOM Excel writes), UTF-16
    with a BOM (Excel's "Unicode text") or Windows-1252 (Excel's plain "CSV")."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"the text is neither UTF-8 nor Windows-1252 (byte {exc.start + 1}); save it as "
            "'CSV UTF-8' and try again"
        ) from None


def _delimiter(header: str) -> str:
    """The delimiter that splits the header row into the most registry column names
    (Excel writes ';' where the decimal separator is a comma, tabs for "Unicode text")."""

    def known(delimiter: str) -> int:
        names = next(csv.reader([header], delimiter=delimiter), [])
        return len({n.strip() for n in names} & set(REGISTRY_COLUMNS))

    return max((",", ";", "\t"), key=known)


def read_registry_table(path: Path) -> pd.DataFrame:
    """The registry CSV as a table of text, header names and values stripped of spaces,
    blank rows dropped; raise :class:`SpecError` when it cannot be read at all."""

    def unreadable(message: str) -> SpecError:
        return SpecError([Issue("error", "registry-unreadable", message, file=str(path))])

    try:
        text = _registry_text(path)
    except OSError as exc:
        raise unreadable(f"cannot read the registry: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise unreadable(str(exc)) from exc
    lines = text.splitlines()
    if not text.strip() or not lines[0].strip():
        raise unreadable(
            "the registry is empty; it needs a header row "
            f"({','.join(REGISTRY_COLUMNS)}) and one row per entity"
        )
    try:
        table = pd.read_csv(
            io.StringIO(text), sep=_delimiter(lines[0]), dtype="string", keep_default_na=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise unreadable(f"not a readable CSV table: {exc}") from exc
    table.columns = [str(c).strip() for c in table.columns]
    table = table.apply(lambda column: column.str.strip())
    return table.loc[table.ne("").any(axis=1)]  # the index + 2 is the row a person sees


def load_registry(path: Path | str) -> Registry:
    """Read and check the registry CSV; raise :class:`SpecError` naming each bad row.

    Read as Excel saves it too: ',' or ';' or tab between columns, UTF-8 (BOM or not),
    UTF-16 or Windows-1252 text, spaces around names and values."""
    path = Path(path)
    table = read_registry_table(path)
    problems: list[Issue] = []
    missing = [c for c in REGISTRY_COLUMNS if c not in table.columns]
    if missing:
        problems.append(
            Issue(
                "error",
                "registry-columns",
                f"missing column(s) {', '.join(missing)}; expected {', '.join(REGISTRY_COLUMNS)}",
                file=str(path),
            )
        )
        raise SpecError(problems)
    for i, row in zip((int(n) + 2 for n in table.index), table.itertuples(index=False), strict=True):
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", row.entity_id):
            problems.append(
                Issue(
                    "error",
                    "registry-id",
                    f"entity_id '{row.entity_id}' must be upper-case letters, digits or _",
                    file=str(path),
                    row=i,
                    column="entity_id",
                )
            )
        if not row.acronym or not row.full_name:
            problems.append(
                Issue(
                    "error",
                    "registry-name",
                    "acronym and full_name are required",
                    file=str(path),
                    row=i,
                )
            )
        if row.verified not in {"yes", "partial", "no"}:
            problems.append(
                Issue(
                    "error",
                    "registry-verified",
                    f"verified is '{row.verified}'; expected yes, partial or no",
                    file=str(path),
                    row=i,
                    column="verified",
                )
            )
    dupes = table["entity_id"][table["entity_id"].duplicated()]
    problems += [
        Issue("error", "registry-duplicate", f"entity_id '{d}' appears twice", file=str(path))
        for d in dupes
    ]
    if problems:
        raise SpecError(problems)
    return Registry(table=table.reset_index(drop=True), source=str(path))

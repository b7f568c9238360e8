"""Give every member of a written zip (.docx, .xlsx) the same time stamp.

Python's ``zipfile`` stamps each member with the clock at the moment it is written, so two
writings of the same report differ in a few header bytes. :func:`stamp_zip` rewrites the
modification time and date of every local and central directory header in place (the
compressed data is left as it is), so that the same inputs give byte-identical files:
a run whose charts come from the cache writes the same report as one that drew them.
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path

LOCAL = b"PK\x03\x04"
CENTRAL = b"PK\x01\x02"
EARLIEST = dt.datetime(1980, 1, 1)  # the first moment a zip header can hold


def dos_stamp(when: dt.datetime) -> tuple[int, int]:
    """(time, date) of ``when`` as a zip header holds them (two-second resolution)."""
    when = max(when.replace(tzinfo=None), EARLIEST)
    time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    date = ((when.year - 1980) << 9) | (when.month << 5) | when.day
    return time, date


def run_datetime(run_date: str) -> dt.datetime:
    """The run date (ISO, as in a manifest) as the time stamp of the files it writes."""
    try:
        return dt.datetime.fromisoformat(str(run_date)[:10])
    except ValueError:
        return EARLIEST


def stamp_zip(path: Path, when: dt.datetime | None = None) -> Path:
    """Set the time stamp of every member of the zip at ``path`` to ``when`` (default
    1980-01-01); raises ``zipfile.BadZipFile`` if a header is not where the directory
    says it is."""
    time, date = dos_stamp(when or EARLIEST)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        central = archive.start_dir
    with open(path, "r+b") as handle:
        for info in infos:
            handle.seek(info.header_offset)
            if handle.read(4) != LOCAL:
                raise zipfile.BadZipFile(f"{path}: no local header for {info.filename}")
            handle.seek(info.header_offset + 10)
            handle.write(struct.pack("<HH", time, date))
        position = central
        for info in infos:
            handle.seek(position)
            head = handle.read(46)
            if head[:4] != CENTRAL:
                raise zipfile.BadZipFile(f"{path}: no directory entry for {info.filename}")
            handle.seek(position + 12)
            handle.write(struct.pack("<HH", time, date))
            name, extra, comment = struct.unpack("<HHH", head[28:34])
            position += 46 + name + extra + comment
    return path

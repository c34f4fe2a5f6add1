"""Find FAERS quarters in zips and folders, and check them before anything is loaded.

A *source* is what the user names on the command line: a quarterly zip, an extracted quarter folder, or a folder
holding several of either. Each yields one or more :class:`Quarter` objects listing the table files found.
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from explorer.errors import InputError
from explorer.quarters import quarter_name

TABLE_FILE = re.compile(r"(demo|drug|reac|outc|rpsr|ther|indi)(\d{2})q([1-4])(_new)?\.txt", re.IGNORECASE)
DELETE_FILE = re.compile(r"delete(\d{2})q([1-4])\.txt", re.IGNORECASE)
ZIP_FILE = re.compile(r"f?aers_ascii_(\d{4})q([1-4])\.zip", re.IGNORECASE)
SYNTHETIC_MARKER = "SYNTHETIC.txt"
"""A file of this name beside the tables marks generated data (see explorer.synth); the store records it."""


@dataclass
class TableFile:
    """One table file of a quarter, inside a zip or on disk."""

    table: str  # demo, drug, ..., or "deleted"
    name: str  # shown to users: "faers_ascii_2020q3.zip:ASCII/DEMO20Q3.txt" or a path
    size: int
    open: Callable[[], IO[bytes]]


@dataclass
class Quarter:
    """The files of one quarter found in one source."""

    quarter: str
    origin: str  # the zip or folder it came from
    files: dict[str, TableFile] = field(default_factory=dict)
    deleted: list[TableFile] = field(default_factory=list)
    sha256: str = ""  # of the zip, or of the sorted file hashes for a folder
    synthetic: bool = False

    @property
    def nbytes(self) -> int:
        """Uncompressed size of all table files."""
        return sum(f.size for f in self.files.values()) + sum(f.size for f in self.deleted)


def _quarter_of(match: re.Match[str], year_group: int = 2) -> str:
    yy = int(match.group(year_group))
    return quarter_name(2000 + yy, int(match.group(year_group + 1)))


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _basename(name: str) -> str:
    """The file name of a TableFile's name (a path, or ``zip:member``)."""
    return re.split(r"[/\\:]", name)[-1]


def _add(quarters: dict[str, Quarter], origin: str, basename: str, tf_factory: Callable[[str], TableFile]) -> bool:
    """Register a file under its quarter if its name is a FAERS table; return True if it was one.

    Raises:
        InputError: a second copy of a table (or of a deleted list) for the same quarter, such as a stray
            ``DEMO19Q4.txt`` beside ``ASCII/DEMO19Q4.txt``: which one is right cannot be guessed, and taking either
            silently would load a partial or stale table.
    """
    m = TABLE_FILE.fullmatch(basename)
    if m:
        q = quarters.setdefault(_quarter_of(m), Quarter(_quarter_of(m), origin))
        table = m.group(1).lower()
        is_new = bool(m.group(4))
        tf = tf_factory(table)
        held = q.files.get(table)
        if held is None:
            q.files[table] = tf
        else:
            held_match = TABLE_FILE.fullmatch(_basename(held.name))  # it matched when it was added
            held_new = held_match is not None and bool(held_match.group(4))
            # FDA re-issued DEMO18Q1 as DEMO18Q1_new.txt: the _new file replaces the original (FORMAT.md).
            if is_new == held_new:
                raise InputError(held.name, f"a second {table.upper()} table for {q.quarter} is at {tf.name}: "
                                 "keep one copy (the loader will not choose between them)")
            if is_new:
                q.files[table] = tf
        return True
    m = DELETE_FILE.fullmatch(basename)
    if m:
        q = quarters.setdefault(_quarter_of(m, 1), Quarter(_quarter_of(m, 1), origin))
        tf = tf_factory("deleted")
        for held in q.deleted:
            if _basename(held.name).lower() == basename.lower():
                raise InputError(held.name, f"a second copy of the {q.quarter} deleted-case list is at {tf.name}: "
                                 "keep one copy")
        q.deleted.append(tf)
        return True
    return False


def scan_zip(path: Path) -> list[Quarter]:
    """List the quarters inside one FDA zip, after checking that it is a safe, readable zip.

    Raises:
        InputError: empty file, not a zip, truncated zip, unsafe member path, no FAERS table in it.
    """
    if path.stat().st_size == 0:
        raise InputError(path, "empty file")
    if not zipfile.is_zipfile(path):
        raise InputError(path, "not a zip file (or truncated: no zip directory at its end)")
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(path, f"unreadable zip: {e}") from None
    quarters: dict[str, Quarter] = {}
    for info in infos:
        member = PurePosixPath(info.filename.replace("\\", "/"))
        if member.is_absolute() or ".." in member.parts or re.match(r"^[A-Za-z]:", info.filename):
            raise InputError(path, f"zip entry with an unsafe path: {info.filename!r}")
        if info.is_dir():
            continue

        def factory(table: str, info: zipfile.ZipInfo = info) -> TableFile:
            return TableFile(table, f"{path.name}:{info.filename}", info.file_size, lambda: zf.open(info))

        _add(quarters, str(path), member.name, factory)
    synthetic = any(PurePosixPath(i.filename).name == SYNTHETIC_MARKER for i in infos)
    if not quarters:
        raise InputError(path, "no FAERS tables (DEMOyyQq.txt ...) in this zip")
    m = ZIP_FILE.fullmatch(path.name)
    if m and quarter_name(int(m.group(1)), int(m.group(2))) not in quarters:
        raise InputError(path, f"zip is named for {m.group(1)}q{m.group(2)} but holds {', '.join(sorted(quarters))}")
    digest = sha256_file(path)
    for q in quarters.values():
        q.sha256 = digest
        q.synthetic = synthetic
    return list(quarters.values())


def scan_folder(path: Path) -> list[Quarter]:
    """List the quarters in a folder: quarterly zips in it and extracted table files below it.

    Raises:
        InputError: the folder holds no FAERS quarter.
    """
    quarters: dict[str, Quarter] = {}
    found: list[Quarter] = []
    synthetic = False
    for root, dirs, files in os.walk(path):
        dirs.sort()
        synthetic = synthetic or SYNTHETIC_MARKER in files
        for name in sorted(files):
            full = Path(root) / name
            if ZIP_FILE.fullmatch(name):
                found.extend(scan_zip(full))
                continue

            def factory(table: str, full: Path = full) -> TableFile:
                return TableFile(table, str(full), full.stat().st_size, lambda: open(full, "rb"))

            _add(quarters, str(path), name, factory)
    for q in quarters.values():
        h = hashlib.sha256()
        for tf in sorted([*q.files.values(), *q.deleted], key=lambda t: t.name):
            h.update(os.path.basename(tf.name).encode() + b"\0" + sha256_file(Path(tf.name)).encode())
        q.sha256 = h.hexdigest()
        q.synthetic = synthetic
    found.extend(quarters.values())
    if not found:
        raise InputError(path, "no FAERS quarter in this folder (no DEMOyyQq.txt or *_ascii_yyyyqN.zip)")
    return found


def discover(sources: list[str | Path]) -> list[Quarter]:
    """Resolve the user's sources into quarters, sorted by quarter.

    Raises:
        InputError: a source is missing or bad, a quarter lacks its DEMO table, or a quarter is given twice.
    """
    quarters: list[Quarter] = []
    for src in sources:
        p = Path(src)
        if not p.exists():
            raise InputError(p, "no such file or folder")
        quarters.extend(scan_folder(p) if p.is_dir() else scan_zip(p))
    seen: dict[str, Quarter] = {}
    for q in quarters:
        if q.quarter in seen:
            raise InputError(q.origin, f"quarter {q.quarter} is also in {seen[q.quarter].origin}: give it once")
        seen[q.quarter] = q
        if "demo" not in q.files:
            raise InputError(q.origin, f"quarter {q.quarter} has no DEMO table, so its reports cannot be linked")
    return sorted(quarters, key=lambda q: q.quarter)

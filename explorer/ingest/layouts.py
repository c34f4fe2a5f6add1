"""FAERS table layouts across eras, driven by the column map in ``column_map.csv``.

FDA renamed columns between the legacy AERS layout (2004Q1-2012Q3), the first FAERS layout (2012Q4-2014Q2) and the
current one. Every raw header name that FDA has shipped is one row of the column map (table, canonical column, raw
header), so supporting a new variant is a data change, not a code change.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from explorer.errors import InputError

TABLES = ("demo", "drug", "reac", "outc", "rpsr", "ther", "indi")
"""The seven FAERS tables, in load order."""

# Columns named like "v23" are artefacts of tools that re-serialised LAERS files (an extra empty last column
# produced by the trailing "$"); they carry no data and are dropped.
_FILLER = re.compile(r"v\d+")


@cache
def column_map() -> dict[str, dict[str, str]]:
    """Return {table: {raw header name: canonical column}} from the shipped column map."""
    mapping: dict[str, dict[str, str]] = {t: {} for t in TABLES}
    text = resources.files("explorer.ingest").joinpath("column_map.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        mapping[row["table"]][row["header"]] = row["column"]
    return mapping


@cache
def canonical_columns(table: str) -> tuple[str, ...]:
    """Return the canonical columns of a raw table, in column-map order, without duplicates."""
    return tuple(dict.fromkeys(column_map()[table].values()))


def normalize_header_name(name: str) -> str:
    """Fold a raw header field to the form used as a key in the column map (BOM, spaces and case removed)."""
    return name.replace("\ufeff", "").strip().lower()


def map_header(table: str, header_line: str, where: str) -> list[str | None]:
    """Map one raw header line onto canonical column names.

    Args:
        table: FAERS table name (``demo``, ``drug``, ...).
        header_line: the first line of the file, decoded, without its line terminator.
        where: file name used in error messages.

    Returns:
        One entry per field of the header: the canonical column, or None for a filler column to drop.
        A trailing empty field (header ending in ``$``) is not a field.

    Raises:
        InputError: a header name is not in the column map, or a column appears twice.
    """
    names = [normalize_header_name(n) for n in header_line.split("$")]
    if names and names[-1] == "":
        names.pop()
    known = column_map()[table]
    columns: list[str | None] = []
    for name in names:
        if name in known:
            columns.append(known[name])
        elif _FILLER.fullmatch(name) or name == "":
            columns.append(None)
        else:
            raise InputError(where, f"unknown {table.upper()} header field {name!r} (not in the column map)")
    real = [c for c in columns if c]
    if len(set(real)) != len(real):
        raise InputError(where, f"{table.upper()} header names a column twice: {header_line!r}")
    if "primaryid" not in real:
        raise InputError(where, f"{table.upper()} header has no primaryid/ISR column: {header_line[:80]!r}")
    return columns

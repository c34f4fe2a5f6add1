"""Read and check the MSSO's MedDRA ASCII distribution (``MedAscii/*.asc``).

Every file is ``$``-delimited text, one record a line, each line ending with a ``$``. The fields of each file, in
order, are those of the MSSO's *distribution file format* document (the legacy WHO-ART, HARTS, COSTART, ICD and J-ART
columns are still there, empty). Nothing here touches the store: :func:`read_distribution` returns the checked
tables, or raises :class:`MeddraFileError` naming the file (and line) at fault.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from explorer.errors import InputError

# file -> its fields in order. Codes are numbers; the importer keeps the fields in KEEP.
LAYOUT: dict[str, tuple[str, ...]] = {
    "llt": ("llt_code", "llt_name", "pt_code", "llt_whoart_code", "llt_harts_code", "llt_costart_sym",
            "llt_icd9_code", "llt_icd9cm_code", "llt_icd10_code", "llt_currency", "llt_jart_code"),
    "pt": ("pt_code", "pt_name", "null_field", "pt_soc_code", "pt_whoart_code", "pt_harts_code", "pt_costart_sym",
           "pt_icd9_code", "pt_icd9cm_code", "pt_icd10_code", "pt_jart_code"),
    "hlt": ("hlt_code", "hlt_name", "hlt_whoart_code", "hlt_harts_code", "hlt_costart_sym", "hlt_icd9_code",
            "hlt_icd9cm_code", "hlt_icd10_code", "hlt_jart_code"),
    "hlt_pt": ("hlt_code", "pt_code"),
    "hlgt": ("hlgt_code", "hlgt_name", "hlgt_whoart_code", "hlgt_harts_code", "hlgt_costart_sym", "hlgt_icd9_code",
             "hlgt_icd9cm_code", "hlgt_icd10_code", "hlgt_jart_code"),
    "hlgt_hlt": ("hlgt_code", "hlt_code"),
    "soc": ("soc_code", "soc_name", "soc_abbrev", "soc_whoart_code", "soc_harts_code", "soc_costart_sym",
            "soc_icd9_code", "soc_icd9cm_code", "soc_icd10_code", "soc_jart_code"),
    "soc_hlgt": ("soc_code", "hlgt_code"),
    "mdhier": ("pt_code", "hlt_code", "hlgt_code", "soc_code", "pt_name", "hlt_name", "hlgt_name", "soc_name",
               "soc_abbrev", "null_field", "pt_soc_code", "primary_soc_fg"),
    "smq_list": ("smq_code", "smq_name", "smq_level", "smq_description", "smq_source", "smq_note",
                 "meddra_version", "status", "smq_algorithm"),
    "smq_content": ("smq_code", "term_code", "term_level", "term_scope", "term_category", "term_weight",
                    "term_status", "term_addition_version", "term_last_modified_version"),
    "meddra_release": ("version", "language"),
}
FILES = tuple(f"{name}.asc" for name in LAYOUT)
# fields that must hold a number on every line (term_weight may be empty)
CODES: dict[str, tuple[str, ...]] = {
    "llt": ("llt_code", "pt_code"), "pt": ("pt_code", "pt_soc_code"), "hlt": ("hlt_code",),
    "hlt_pt": ("hlt_code", "pt_code"), "hlgt": ("hlgt_code",), "hlgt_hlt": ("hlgt_code", "hlt_code"),
    "soc": ("soc_code",), "soc_hlgt": ("soc_code", "hlgt_code"),
    "mdhier": ("pt_code", "hlt_code", "hlgt_code", "soc_code", "pt_soc_code"),
    "smq_list": ("smq_code", "smq_level"), "smq_content": ("smq_code", "term_code", "term_level", "term_scope"),
}
# the fields kept in the store (the legacy cross-coding columns are empty since MedDRA 15 and are dropped)
KEEP: dict[str, tuple[str, ...]] = {
    "llt": ("llt_code", "llt_name", "pt_code", "llt_currency"),
    "pt": ("pt_code", "pt_name", "pt_soc_code"),
    "hlt": ("hlt_code", "hlt_name"), "hlt_pt": ("hlt_code", "pt_code"),
    "hlgt": ("hlgt_code", "hlgt_name"), "hlgt_hlt": ("hlgt_code", "hlt_code"),
    "soc": ("soc_code", "soc_name", "soc_abbrev"), "soc_hlgt": ("soc_code", "hlgt_code"),
    "mdhier": ("pt_code", "hlt_code", "hlgt_code", "soc_code", "pt_name", "hlt_name", "hlgt_name", "soc_name",
               "soc_abbrev", "pt_soc_code", "primary_soc_fg"),
    "smq_list": LAYOUT["smq_list"], "smq_content": LAYOUT["smq_content"],
}
# files that may be empty (a distribution without SMQs); every other file must hold at least one record
MAY_BE_EMPTY = ("smq_list", "smq_content")


class MeddraFileError(InputError):
    """A MedDRA distribution is missing a file, or a file is malformed (the message names it)."""


@dataclass
class Distribution:
    """A checked MedDRA ASCII distribution.

    Attributes:
        folder: the folder the ``.asc`` files were read from.
        version: the release, e.g. ``27.1`` (from ``meddra_release.asc``).
        language: e.g. ``English``.
        tables: per file name (``llt``, ``pt``, ...), its records as a DataFrame of the fields in ``KEEP``
            (codes as integers).
        sha256: of the files' bytes, in the order of ``FILES``: the same distribution imported twice has the same.
    """

    folder: Path
    version: str
    language: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sha256: str = ""

    def count(self, name: str) -> int:
        """The number of records of one file."""
        return len(self.tables[name])


def locate(folder: str | Path) -> dict[str, Path]:
    """The distribution's files by name (``llt``, ``pt``, ...), in ``folder`` or ``folder/MedAscii``.

    File and folder names are matched case-insensitively (older releases ship ``SMQ_List.asc``).

    Raises:
        MeddraFileError: the folder does not exist, holds no ``llt.asc``, or lacks one of the files.
    """
    base = Path(folder)
    if not base.is_dir():
        raise MeddraFileError(base, "no such folder (give the MedDRA distribution's folder, or its MedAscii folder)")

    def files_of(d: Path) -> dict[str, Path]:
        return {p.name.lower(): p for p in d.iterdir() if p.is_file() and p.name.lower().endswith(".asc")}

    found = files_of(base)
    if "llt.asc" not in found:
        sub = [p for p in base.iterdir() if p.is_dir() and p.name.lower() == "medascii"]
        if sub:
            base, found = sub[0], files_of(sub[0])
    if not found:
        raise MeddraFileError(base, "no MedDRA ASCII files here (expected llt.asc, pt.asc, ... in this folder or "
                                    "in its MedAscii folder)")
    out = {}
    for name in LAYOUT:
        path = found.get(f"{name}.asc")
        if path is None:
            raise MeddraFileError(base / f"{name}.asc", "missing from the MedDRA distribution (it needs "
                                                        f"{', '.join(FILES)})")
        out[name] = path
    return out


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _records(name: str, path: Path, data: bytes) -> list[list[str]]:
    """The records of one file, each with exactly the layout's fields (a trailing ``$`` dropped)."""
    n = len(LAYOUT[name])
    rows = []
    for line_no, line in enumerate(_decode(data).split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        parts = line.split("$")
        if name == "meddra_release":
            if len(parts) < 2:
                raise MeddraFileError(path, f"line {line_no}: expected the version and the language "
                                            "('27.1$English$'), found {line!r}")
            rows.append([parts[0].strip(), parts[1].strip()])
            continue
        if len(parts) == n + 1 and parts[-1] == "":
            parts.pop()
        elif name == "smq_list" and len(parts) in (n + 1, n + 2):  # some releases carry data after the last field
            parts = parts[:n]
        if len(parts) != n:
            raise MeddraFileError(path, f"line {line_no}: {len(parts)} fields where the MedDRA layout of "
                                        f"{name}.asc has {n} (another file, or a line cut short)")
        rows.append(parts)
    return rows


def _frame(name: str, path: Path, rows: list[list[str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(LAYOUT[name]), dtype=object)
    for col in CODES.get(name, ()):
        text = frame[col].str.strip()
        bad = ~text.str.fullmatch(r"\d{1,18}")
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise MeddraFileError(path, f"record {i + 1}: {col} {rows[i][LAYOUT[name].index(col)]!r} is not a "
                                        "number")
        frame[col] = text.astype("int64")
    if name == "smq_content":
        weight = frame["term_weight"].str.strip()
        frame["term_weight"] = pd.to_numeric(weight.where(weight != ""), errors="coerce").astype("Int64")
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].str.strip()
    return frame[list(KEEP.get(name, LAYOUT[name]))]


def _check_references(paths: dict[str, Path], t: dict[str, pd.DataFrame]) -> None:
    """Every code a file points to exists where it should; codes are unique in the files that define them."""
    for name, key in (("llt", "llt_code"), ("pt", "pt_code"), ("hlt", "hlt_code"), ("hlgt", "hlgt_code"),
                      ("soc", "soc_code"), ("smq_list", "smq_code")):
        dup = t[name][key][t[name][key].duplicated()]
        if len(dup):
            raise MeddraFileError(paths[name], f"{key} {int(dup.iloc[0])} appears twice")
    codes = {name: set(t[name][key]) for name, key in (("llt", "llt_code"), ("pt", "pt_code"), ("hlt", "hlt_code"),
                                                        ("hlgt", "hlgt_code"), ("soc", "soc_code"),
                                                        ("smq_list", "smq_code"))}
    checks = [("llt", "pt_code", "pt", "a PT"), ("pt", "pt_soc_code", "soc", "a SOC"),
              ("hlt_pt", "hlt_code", "hlt", "an HLT"), ("hlt_pt", "pt_code", "pt", "a PT"),
              ("hlgt_hlt", "hlgt_code", "hlgt", "an HLGT"), ("hlgt_hlt", "hlt_code", "hlt", "an HLT"),
              ("soc_hlgt", "soc_code", "soc", "a SOC"), ("soc_hlgt", "hlgt_code", "hlgt", "an HLGT"),
              ("mdhier", "pt_code", "pt", "a PT"), ("mdhier", "hlt_code", "hlt", "an HLT"),
              ("mdhier", "hlgt_code", "hlgt", "an HLGT"), ("mdhier", "soc_code", "soc", "a SOC"),
              ("smq_content", "smq_code", "smq_list", "an SMQ")]
    for name, col, target, what in checks:
        missing = ~t[name][col].isin(codes[target])
        if missing.any():
            i = int(missing.to_numpy().nonzero()[0][0])
            raise MeddraFileError(paths[name], f"record {i + 1}: {col} {int(t[name][col].iloc[i])} is not {what} "
                                               f"of {target}.asc")
    content = t["smq_content"]
    for level, target, what in ((0, "smq_list", "an SMQ"), (4, "llt", "a term"), (5, "llt", "a term")):
        rows = content[content["term_level"] == level]
        missing = ~rows["term_code"].isin(codes[target])
        if missing.any():
            i = int(rows.index[missing.to_numpy().nonzero()[0][0]])
            raise MeddraFileError(paths["smq_content"], f"record {i + 1}: term_code {int(content['term_code'][i])} "
                                                        f"(level {level}) is not {what} of {target}.asc")


def read_distribution(folder: str | Path) -> Distribution:
    """Read and check a MedDRA ASCII distribution.

    Args:
        folder: the distribution's folder, or its ``MedAscii`` folder.

    Returns:
        The checked tables, the release and its language, and the files' sha256.

    Raises:
        MeddraFileError: a file is missing, empty, has a line with the wrong number of fields or a code that is not
            a number, repeats a code, or points to a code that no file defines (a PT whose SOC is missing, ...).
    """
    paths = locate(folder)
    digest = hashlib.sha256()
    tables: dict[str, pd.DataFrame] = {}
    release: list[str] = []
    for name, path in paths.items():
        try:
            data = path.read_bytes()
        except OSError as e:
            raise MeddraFileError(path, f"cannot read the file ({e.strerror or e})") from None
        digest.update(name.encode() + b"\0" + data + b"\0")
        rows = _records(name, path, data)
        if not rows and name not in MAY_BE_EMPTY:
            raise MeddraFileError(path, "empty (a partial MedDRA distribution?)")
        if name == "meddra_release":
            release = rows[0]
            continue
        tables[name] = _frame(name, path, rows)
    version, language = release
    if not version or not version.replace(".", "").isdigit():
        raise MeddraFileError(paths["meddra_release"], f"{version!r} is not a MedDRA version (e.g. 27.1)")
    _check_references(paths, tables)
    return Distribution(paths["llt"].parent, version, language or "unknown", tables, digest.hexdigest())

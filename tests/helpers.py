"""Build small hand-made FAERS quarters for tests, in the exact layouts of each era."""

from __future__ import annotations

import zipfile
from pathlib import Path

from explorer.ingest.layouts import TABLES
from explorer.synth.layouts import quarter_layout


def write_quarter(folder: Path, quarter: str, rows: dict[str, list[dict[str, str]]], *, as_zip: bool = True,
                  deleted: list[str] | None = None, raw: dict[str, bytes] | None = None) -> Path:
    """Write one quarter in its era's layout.

    Args:
        folder: where to put the zip (or the quarter folder).
        quarter: e.g. ``2020q3``; decides the layout (LAERS, 2012Q4-2014Q2, current).
        rows: per table, rows as {canonical column: value}; missing tables are written with their header only.
        as_zip: write FDA's zip; else an extracted folder ``folder/quarter/ascii``.
        deleted: caseids for the quarter's Deleted/DELETEyyQq.txt.
        raw: per table, raw bytes to use instead of rendering ``rows`` (for byte-level quirks).

    Returns:
        The zip or the quarter folder.
    """
    layout = quarter_layout(quarter)
    files: dict[str, bytes] = {}
    for t in TABLES:
        tl = layout.tables[t]
        eol = b"\r\n" if tl.crlf else b"\n"
        if raw and t in raw:
            files[f"{layout.folder}/{tl.file_name}"] = raw[t]
            continue
        lines = [tl.header]
        for r in rows.get(t, []):
            lines.append("$".join(r.get(c, "") for c in tl.columns) + ("$" if tl.trailing else ""))
        files[f"{layout.folder}/{tl.file_name}"] = (b"\xef\xbb\xbf" if tl.bom else b"") + eol.join(
            ln.encode("cp1252") for ln in lines) + eol
    if deleted is not None:
        yy, q = quarter[2:4], quarter[-1]
        files[f"Deleted/DELETE{yy}Q{q}.txt"] = (" \n" + "".join(f"{c}\n" for c in deleted)).encode()
    folder.mkdir(parents=True, exist_ok=True)
    if as_zip:
        path = folder / layout.zip_name
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        return path
    base = folder / quarter
    for name, data in files.items():
        p = base / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return base


def report(primaryid: str, caseid: str, version: str = "", fda_dt: str = "20200101", **demo) -> dict[str, str]:
    """A DEMO row."""
    return {"primaryid": primaryid, "caseid": caseid, "caseversion": version, "fda_dt": fda_dt,
            "init_fda_dt": demo.pop("init_fda_dt", fda_dt), **demo}

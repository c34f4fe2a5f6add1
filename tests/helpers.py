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


def dup_case(pid, caseid, received, *, event_dt="20200110", age="60", age_cod="YR", sex="F",
             pts=("Paraplegia", "Nausea"), drugs=(("DEPO-MEDROL", "PS", "EPIDURAL"), ("ASPIRIN", "C", "ORAL"))):
    """One report's DEMO row, DRUG rows and REAC rows, for the probable-duplicate fixtures."""
    demo = report(pid, caseid, "1", received, event_dt=event_dt, age=age, age_cod=age_cod, sex=sex,
                  reporter_country="US")
    drug = [{"primaryid": pid, "caseid": caseid, "drug_seq": str(k), "role_cod": role, "drugname": name,
             "route": route} for k, (name, role, route) in enumerate(drugs, start=1)]
    reac = [{"primaryid": pid, "caseid": caseid, "pt": pt} for pt in pts]
    return demo, drug, reac


def duplicates_fixture() -> dict[str, list[dict[str, str]]]:
    """One 2020Q1 quarter of seven Paraplegia cases: cases 2 and 6 repeat case 1's event (flagged as its probable
    duplicates); 3, 4, 5 and 7 differ in a reaction, the event date's precision, the sex, the drugs."""
    specs = [
        dup_case("11", "1", "20200115"),
        # the same event from a second source: age in months, drugs and reactions in another order, another role
        dup_case("21", "2", "20200201", age="720", age_cod="MON", pts=("Nausea", "Paraplegia"),
                 drugs=(("ASPIRIN", "C", "ORAL"), ("DEPO-MEDROL", "SS", "Epidural"))),
        dup_case("31", "3", "20200120", pts=("Paraplegia", "Nausea", "Headache")),  # one more reaction
        dup_case("41", "4", "20200120", event_dt="202001"),  # event month only: too little to compare
        dup_case("51", "5", "20200120", sex=""),  # no sex
        dup_case("61", "6", "20200301"),
        dup_case("71", "7", "20200101", drugs=(("ASPIRIN", "PS", "ORAL"),)),  # other drugs
    ]
    return {"demo": [d for d, _, _ in specs], "drug": [r for _, ds, _ in specs for r in ds],
            "reac": [r for _, _, rs in specs for r in rs]}


def expected_duplicates(con) -> dict[int, int]:
    """The probable-duplicate rule recomputed in Python from the model's tables: {flagged caseid: first caseid}."""
    keys: dict[int, list] = {}
    for caseid, received, *demo in con.execute(
            "SELECT caseid, received_date, event_date, age_years, sex, country FROM cases "
            "WHERE event_date_precision = 'day' AND age_years IS NOT NULL AND sex IS NOT NULL "
            "AND country IS NOT NULL").fetchall():
        keys[caseid] = [received, tuple(demo), set(), set()]
    for caseid, ingredients, name in con.execute("SELECT caseid, ingredients, drugname FROM drugs").fetchall():
        if caseid in keys:
            keys[caseid][2].update(ingredients or ([name.strip().upper()] if name else []))
    for caseid, pt_key in con.execute("SELECT caseid, pt_key FROM reactions").fetchall():
        if caseid in keys:
            keys[caseid][3].add(pt_key)
    groups: dict[tuple, list] = {}
    for caseid, (received, demo, drugs, pts) in keys.items():
        if drugs and pts:
            groups.setdefault((demo, frozenset(drugs), frozenset(pts)), []).append((received, caseid))
    out = {}
    for members in groups.values():
        first = min(members, key=lambda m: (m[0] is None, m[0] or 0, m[1]))[1]
        out.update({caseid: first for _, caseid in members if caseid != first})
    return out

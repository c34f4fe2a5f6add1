"""The real FAERS bytes of ../shared/faers/real loaded, and checked against counts computed here line by line.

The expected numbers are computed in this file straight from the files (split on newlines, split on '$'), never
through the loader. SOURCES.md beside the files lists each file's origin and quirks.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from explorer.load import load

from .conftest import SHARED

REAL = SHARED / "faers" / "real"
QUARTERS = ("2012q3", "2021q4", "2022q4", "2024q1", "2025q4", "2026q1")
ALIASES = {"isr": "primaryid", "case": "caseid"}

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"real FAERS bytes not found at {REAL}")


def read_table(path: Path) -> tuple[list[str], list[list[str]], bool]:
    """(header names, rows as stripped values, whether the last line had no terminator), read by hand."""
    data = path.read_bytes()
    unterminated = not data.endswith(b"\n")
    lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in data.split(b"\n")]
    header = [ALIASES.get(h, h) for h in lines[0].decode("utf-8-sig").strip().lower().split("$")]
    rows = []
    for ln in lines[1:]:
        if not ln.strip():
            continue
        values = [v.strip() for v in ln.decode("latin-1").split("$")]
        if len(values) == len(header) + 1 and values[-1] == "":
            values.pop()  # legacy AERS rows end with '$'
        assert len(values) == len(header), (path.name, ln[:80])  # the real files have no broken records
        rows.append(values)
    return header, rows, unterminated


def table_file(quarter: str, table: str) -> Path | None:
    found = [p for p in (REAL / quarter).rglob("*") if re.fullmatch(rf"{table}\d\dq\d\.txt", p.name, re.I)]
    return found[0] if found else None


def deleted_ids() -> set[int]:
    ids = set()
    for path in REAL.rglob("DELETE*.txt"):
        ids.update(int(v) for v in path.read_text().split())  # whatever the first line is: blank or a caseid
    return ids


@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("real") / "real.duckdb"
    load([REAL / q for q in QUARTERS], db)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def expected():
    """Reports, current cases and rows per current case, computed from the files."""
    versions = {}  # caseid -> (caseversion as an integer, fda_dt, primaryid as an integer, quarter)
    reports = Counter()
    for q in QUARTERS:
        header, rows, _ = read_table(table_file(q, "demo"))
        for r in rows:
            v = dict(zip(header, r, strict=True))
            reports[q] += 1
            key = (int(v["caseversion"] or 0), v["fda_dt"], int(v["primaryid"]), q)
            versions[int(v["caseid"])] = max(versions.get(int(v["caseid"]), key), key)
    gone = deleted_ids()
    current = {c: (str(k[2]), k[3]) for c, k in versions.items() if c not in gone}
    by_report = {pid_q: c for c, pid_q in current.items()}
    per_case = {t: defaultdict(set) for t in ("drug", "reac")}
    for t in per_case:
        for q in QUARTERS:
            path = table_file(q, t)
            if path is None:
                continue
            header, rows, _ = read_table(path)
            for r in rows:
                c = by_report.get((r[0], q))
                if c is not None:
                    per_case[t][c].add(tuple(r))  # exact duplicate rows collapse
    return {"reports": reports, "current": current, "versions": versions, "deleted": gone,
            "drug": {c: len(s) for c, s in per_case["drug"].items()},
            "reac": {c: len(s) for c, s in per_case["reac"].items()},
            "drug_rows": per_case["drug"]}


def test_reports_per_quarter(real_db, expected):
    got = dict(real_db.execute("SELECT quarter, count(DISTINCT primaryid) FROM raw_demo GROUP BY ALL").fetchall())
    assert got == {q: n for q, n in expected["reports"].items() if n}
    assert sum(expected["reports"].values()) == 258 + 200 + 1000  # SOURCES.md: lines minus headers


def test_current_cases_follow_ups_and_deletions(real_db, expected):
    got = dict(real_db.execute("SELECT caseid, primaryid FROM cases").fetchall())
    assert got == {c: pid for c, (pid, _) in expected["current"].items()}
    # caseversion compared as integers: 11 (2024q1) is later than 9 (2022q4)
    row = real_db.execute("SELECT caseversion, quarter FROM cases WHERE caseid = 10074686").fetchone()
    assert row == (11, "2024q1")
    # the complete last DEMO22Q4 record (no line terminator) is a case
    assert 11771849 in got
    # DELETE26Q1 (first line a caseid, not blank) removes four 2025q4 cases
    for c in (23905681, 26023117, 26084329, 26121909):
        assert c not in got
    first = int((REAL / "2026q1" / "Deleted" / "DELETE26Q1.txt").read_text().split()[0])
    assert real_db.execute("SELECT count(*) FROM deleted_cases WHERE caseid = $c", {"c": first}).fetchone()[0] == 1
    assert real_db.execute("SELECT count(*) FROM deleted_cases").fetchone()[0] == len(expected["deleted"])


def test_drug_and_reaction_rows_per_current_case(real_db, expected):
    for table, column in (("drug", "drugs"), ("reac", "reactions")):
        got = dict(real_db.execute(f"SELECT caseid, count(*) FROM {column} GROUP BY caseid").fetchall())
        assert got == expected[table], table
    # the last DRUG22Q4 line (no terminator) is case 10156482's METOPROLOL
    if 10156482 in expected["current"]:
        names = {n for (n,) in real_db.execute("SELECT drugname FROM drugs WHERE caseid = 10156482").fetchall()}
        assert "METOPROLOL" in names


def test_every_line_is_loaded_and_nothing_rejected(real_db):
    # the real files hold no broken records: every data line is a row
    for quarter in QUARTERS:
        for path in (REAL / quarter).rglob("*"):
            table = re.match(r"(demo|drug|reac|outc|rpsr|ther|indi)\d\dq\d\.txt", path.name, re.I)
            if not table:
                continue
            _, rows, unterminated = read_table(path)
            (n, flag), = real_db.execute(
                "SELECT rows_loaded, last_line_unterminated FROM load_log WHERE file = $f", {"f": str(path)}
            ).fetchall()
            assert (n, flag) == (len(rows), unterminated), path.name
    assert real_db.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
    assert real_db.execute("SELECT count(*) FROM load_log WHERE last_line_unterminated").fetchone()[0] == 6


def _stat_counts(section: str) -> dict[str, int]:
    text = (REAL / "2012q3" / "ascii" / "STAT12Q3.TXT").read_text(encoding="latin-1")
    part = text.split(f"Frequency counts for selected data fields from {section} file")[1].split("\n\n")[0]
    return {m.group(1): int(m.group(2).replace(",", "")) for m in re.finditer(r"^(\w+)\s+([\d,]+)\s", part, re.M)}


def test_legacy_outcome_and_source_codes_match_fdas_statistics(real_db):
    for section, table, column in (("OUTC", "raw_outc", "outc_cod"), ("RPSR", "raw_rpsr", "rpsr_cod")):
        want = _stat_counts(section)
        assert len(want) >= 7
        got = dict(real_db.execute(f"SELECT {column}, count(*) FROM {table} WHERE quarter = '2012q3' GROUP BY ALL"
                                   ).fetchall())
        assert got == want, section

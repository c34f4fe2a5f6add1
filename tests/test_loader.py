"""Loading real FAERS bytes: every line accounted for; idempotent, atomic loads; locks; provenance."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
import zipfile

import duckdb
import pytest

from explorer.errors import DatabaseLockedError, InputError
from explorer.store.loader import load

from .helpers import report, write_quarter


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def physical_lines(data: bytes) -> int:
    """Data lines of a raw file: all lines after the header, the last one counted even without a terminator."""
    body = data.split(b"\n", 1)[1] if b"\n" in data else b""
    return body.count(b"\n") + (0 if body.endswith(b"\n") or not body else 1)


@pytest.fixture(scope="module")
def sample_db(samples, tmp_path_factory):
    db = tmp_path_factory.mktemp("db") / "samples.duckdb"
    sources = [samples / "zips" / "aers_ascii_2004q1.zip", samples / "zips" / "faers_ascii_2017q2.zip",
               samples / "2012q4-head", samples / "2020q3-excerpt"]
    summary = load(sources, db)
    return db, summary


def test_every_line_of_the_real_samples_is_loaded_or_rejected(sample_db, samples):
    db, summary = sample_db
    con = duckdb.connect(str(db), read_only=True)
    log = con.execute("SELECT file, table_name, lines_read, rows_loaded, rows_rejected, lines_rejoined, "
                      "lines_in_rejoined, blank_lines FROM load_log").fetchall()
    assert len(log) == 28
    for file, table, lines, rows, rejected, rejoined, in_rejoined, blank in log:
        assert lines == rows - rejoined + in_rejoined + rejected + blank, file
        loaded = con.execute(f"SELECT count(*) FROM raw_{table} WHERE source_file = $f", {"f": file}).fetchone()[0]
        assert loaded == rows
    # raw line counts straight from the bytes
    demo20 = (samples / "2020q3-excerpt" / "DEMO20Q3.txt").read_bytes()
    (lines, rows, rejected), = con.execute(
        "SELECT lines_read, rows_loaded, rows_rejected FROM load_log WHERE file LIKE '%DEMO20Q3.txt'").fetchall()
    assert lines == physical_lines(demo20) == 9999 and rows == 9998 and rejected == 1
    (line_no, raw, reason), = con.execute("SELECT line_no, raw_text, reason FROM rejects").fetchall()
    assert line_no == 10000 and raw.startswith("143329687$14332968$7$") and "truncated" in reason


def test_each_layout_keeps_faers_column_names(sample_db):
    db, _ = sample_db
    con = duckdb.connect(str(db), read_only=True)
    # LAERS: ISR/CASE mapped to primaryid/caseid; upper-case PTs kept as shipped
    def scalar(sql):
        return con.execute(sql).fetchone()[0]
    assert scalar("SELECT count(*) FROM raw_demo WHERE quarter='2004q1' AND caseid IS NOT NULL") == 100
    assert con.execute("SELECT pt FROM raw_reac WHERE quarter='2004q1' LIMIT 1").fetchone()[0].isupper()
    # 2012Q4: gndr_cod -> sex, lot_nbr -> lot_num, outc_code -> outc_cod, ' rept_dt' -> rept_dt, BOM stripped
    row = con.execute("SELECT sex, rept_dt FROM raw_demo WHERE primaryid='34483284'").fetchone()
    assert row == ("F", "20121128")
    assert scalar("SELECT count(*) FROM raw_outc WHERE quarter='2012q4' AND outc_cod IS NOT NULL") == 10
    assert scalar("SELECT nda_num FROM raw_drug WHERE primaryid='34483284' AND drug_seq='1'") == "020972"
    # ids and codes stay text with leading zeros; values trimmed
    assert con.execute("SELECT count(*) FROM raw_drug WHERE lot_num LIKE ' %'").fetchone()[0] == 0


def test_epidural_row_of_the_real_excerpt(sample_db):
    db, _ = sample_db
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT route, route_canonical, ingredients FROM drugs WHERE primaryid = '100754932' "
                       "AND route_canonical = 'Epidural'").fetchall()
    assert rows and rows[0][2] == ["meperidine"]


def test_loading_the_same_bytes_twice_changes_nothing(tmp_path, samples):
    db = tmp_path / "f.duckdb"
    load([samples / "zips" / "faers_ascii_2017q2.zip"], db)
    before = sha(db)
    summary = load([samples / "zips" / "faers_ascii_2017q2.zip"], db)
    assert summary.skipped == ["2017q2"] and not summary.changed and sha(db) == before


def test_a_republished_quarter_replaces_its_earlier_load(tmp_path):
    src = tmp_path / "v1"
    two = {"demo": [report("11", "1", "1"), report("21", "2", "1")]}
    load([write_quarter(src, "2020q1", two)], tmp_path / "f.duckdb")
    src2 = tmp_path / "v2"
    summary = load([write_quarter(src2, "2020q1", {"demo": [report("11", "1", "1")]})], tmp_path / "f.duckdb")
    assert summary.replaced == ["2020q1"]
    con = duckdb.connect(str(tmp_path / "f.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM raw_demo").fetchone()[0] == 1
    assert con.execute("SELECT count(DISTINCT source_sha256) FROM load_log").fetchone()[0] == 1


def test_bad_source_among_good_ones_leaves_the_database_untouched(tmp_path):
    db = tmp_path / "f.duckdb"
    load([write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})], db)
    before = sha(db)
    good = write_quarter(tmp_path / "b", "2020q2", {"demo": [report("12", "1", "2")]})
    bad = tmp_path / "faers_ascii_2020q3.zip"
    bad.write_bytes(b"garbage")
    with pytest.raises(InputError):
        load([good, bad], db)
    assert sha(db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_failure_in_the_middle_of_a_load_leaves_the_database_untouched(tmp_path):
    db = tmp_path / "f.duckdb"
    load([write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})], db)
    before = sha(db)
    z = write_quarter(tmp_path / "b", "2020q2", {"demo": [report("12", "1", "2")],
                                                 "reac": [{"primaryid": "12", "caseid": "1", "pt": "Rash"}] * 500})
    # corrupt the compressed bytes of the REAC member: the zip directory is fine, reading it fails
    with zipfile.ZipFile(z) as zf:
        info = zf.getinfo("ASCII/REAC20Q2.txt")
    data = bytearray(z.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    data[start:start + 20] = b"\x00" * 20
    z.write_bytes(bytes(data))
    with pytest.raises(InputError, match="REAC20Q2.txt: cannot read the file"):
        load([z], db)
    assert sha(db) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".f.duckdb")]


def test_a_killed_load_leaves_the_database_readable(tmp_path):
    db = tmp_path / "f.duckdb"
    load([write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})], db)
    before = sha(db)
    big = write_quarter(tmp_path / "b", "2020q2", {"demo": [report(f"{i}1", str(i), "1") for i in range(2, 60000)]})
    proc = subprocess.Popen([sys.executable, "-m", "explorer", "load", str(big), "--db", str(db), "--quiet"])
    try:
        proc.wait(timeout=0.8)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    con = duckdb.connect(str(db), read_only=True)
    count = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    # either the whole load landed, or nothing of it did
    assert (count == 1 and sha(db) == before) or count == 59999


HOLD = textwrap.dedent("""
    import duckdb, sys, time
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
    print("ready", flush=True)
    time.sleep(30)
""")


def _holder(db, mode):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), mode], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_a_database_locked_by_a_writer_is_refused(tmp_path):
    db = tmp_path / "f.duckdb"
    load([write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})], db)
    proc = _holder(db, "rw")
    try:
        with pytest.raises(DatabaseLockedError, match="locked by another process"):
            load([write_quarter(tmp_path / "b", "2020q2", {"demo": [report("12", "1", "2")]})], db)
    finally:
        proc.kill()
        proc.wait()


def test_readers_keep_working_while_a_load_swaps_the_file(tmp_path):
    db = tmp_path / "f.duckdb"
    load([write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})], db)
    proc = _holder(db, "ro")
    try:
        load([write_quarter(tmp_path / "b", "2020q2", {"demo": [report("12", "1", "2"), report("21", "2", "1")]})], db)
    finally:
        proc.kill()
        proc.wait()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 2


def test_provenance_is_recorded(sample_db):
    db, summary = sample_db
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("SELECT quarter, sha256, bytes, tool_version, synthetic FROM load_log "
                      "WHERE file LIKE '%DEMO20Q3.txt'").fetchone()
    assert row[0] == "2020q3" and len(row[1]) == 64 and row[2] > 1_000_000 and row[3] and row[4] is False
    assert [s for s, _, _ in summary.flow][:5] == ["demo_rows", "reports", "cases", "deleted_cases", "current_cases"]
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    assert meta["synthetic"] == "false"

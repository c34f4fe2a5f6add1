"""Loading real FAERS bytes: every line accounted for; idempotent, atomic loads; locks; provenance."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import duckdb
import pytest

from explorer.errors import DatabaseLockedError, InputError, StoreWriteError
from explorer.load import load

from .conftest import REPO
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


def _start_load(source, db):
    """A load in a process of its own (its own process group, so that the test can end it by group)."""
    return subprocess.Popen([sys.executable, "-m", "explorer", "load", str(source), "--db", str(db), "--quiet"],
                            cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _poll(condition, proc, seconds=120.0) -> bool:
    """Wait (busy, so as to act within microseconds) until ``condition()`` holds; False if the process ended first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return condition()
    return False


def _kill(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _big_second_quarter(tmp_path):
    db = tmp_path / "f.duckdb"
    load([write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})], db)
    big = write_quarter(tmp_path / "b", "2020q2", {"demo": [report(f"{i}1", str(i), "1") for i in range(2, 60000)]})
    return db, big


def _cases(db) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        con.close()


def test_a_load_killed_while_building_leaves_the_database_untouched_and_the_next_load_removes_its_leftovers(
        tmp_path):
    db, big = _big_second_quarter(tmp_path)
    before = sha(db)
    proc = _start_load(big, db)
    build = tmp_path / f".f.duckdb.build-{proc.pid}"
    try:
        # kill only once the build file exists: a kill before it proves nothing
        assert _poll(build.exists, proc), "the load ended before creating its build file"
        assert _poll(lambda: any(p.name.startswith(".f.duckdb.load-") for p in tmp_path.iterdir()), proc)
    finally:
        _kill(proc)
    assert sha(db) == before and _cases(db) == 1
    debris = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".f.duckdb."))
    assert build.name in debris and any(n.startswith(f".f.duckdb.load-{proc.pid}-") for n in debris)
    # someone else's file that merely looks alike is never touched; nor is a live process's
    (tmp_path / ".f.duckdb.build-notapid").write_text("keep")
    (tmp_path / ".f.duckdb.build-1.wal").write_text("keep")  # process 1 is alive
    said = []
    summary = load([write_quarter(tmp_path / "c", "2020q3", {"demo": [report("31", "3", "1")]})], db,
                   progress=said.append)
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".f.duckdb."))
    assert left == [".f.duckdb.build-1.wal", ".f.duckdb.build-notapid"]
    assert any(build.name in d for d in summary.leftovers) and len(summary.leftovers) == len(debris)
    assert any("removed" in line and build.name in line for line in said)
    assert _cases(db) == 2


def test_a_load_killed_during_the_swap_leaves_the_old_or_the_new_database(tmp_path):
    # Kill the moment the live file changes. With os.replace the live name points at the whole new database at once,
    # and whoever opened the old file keeps reading its bytes, unchanged. A copy in place fails this test (tried by
    # hand: the old file's bytes change under the open handle, and a kill can land mid-copy).
    db, big = _big_second_quarter(tmp_path)
    before = sha(db)
    st = db.stat()
    first = (st.st_ino, st.st_mtime_ns, st.st_size)

    def live_file_changed():
        try:
            s = db.stat()
        except FileNotFoundError:
            return True
        return (s.st_ino, s.st_mtime_ns, s.st_size) != first

    with open(db, "rb") as old:  # a reader of the old database (the dashboard, a query) holds it open
        proc = _start_load(big, db)
        build = tmp_path / f".f.duckdb.build-{proc.pid}"
        try:
            assert _poll(build.exists, proc), "the load ended before creating its build file"
            assert _poll(live_file_changed, proc)
        finally:
            _kill(proc)
        assert hashlib.sha256(old.read()).hexdigest() == before  # never written to
    count = _cases(db)
    assert (count == 1 and sha(db) == before) or count == 59999


@pytest.fixture
def small_disk(tmp_path):
    """Mount small tmpfs file systems (root only); unmounted afterwards."""
    mounted = []

    def mount(kb: int):
        d = tmp_path / f"disk{kb}"
        d.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kb}k", "tmpfs", str(d)], capture_output=True,
                           text=True)
        if r.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip() or r.returncode}")
        mounted.append(d)
        return d

    yield mount
    for d in mounted:
        subprocess.run(["umount", "-l", str(d)], check=False)


def test_a_full_disk_is_one_line_and_leaves_the_database_untouched(tmp_path, small_disk):
    work = tmp_path / "src"
    n = 8000
    second = write_quarter(work, "2020q2", {
        "demo": [report(f"{i}1", str(i), "1", age="50", age_cod="YR", sex="F") for i in range(2, n)],
        "drug": [{"primaryid": f"{i}1", "caseid": str(i), "drug_seq": str(k), "role_cod": "PS",
                  "drugname": f"DRUG{(7 * i + k) % 500}", "route": "ORAL"} for i in range(2, n) for k in (1, 2, 3)],
        "reac": [{"primaryid": f"{i}1", "caseid": str(i), "pt": f"Event {(13 * i + k) % 800}"}
                 for i in range(2, n) for k in (1, 2, 3)]})
    base = tmp_path / "base.duckdb"
    load([write_quarter(work, "2020q1", {"demo": [report("11", "1", "1")]})], base)
    kb = base.stat().st_size // 1024 + 1024
    phases = []
    while True:  # ever larger disks until the load fits: the copy, the cleaned files, the WAL, the checkpoint fail
        disk = small_disk(kb)
        db = disk / "f.duckdb"
        shutil.copyfile(base, db)
        before = sha(db)
        try:
            load([second], db)
        except StoreWriteError as e:
            message = str(e)
            assert "\n" not in message and "No space left on device" in message and "unchanged" in message
            phases.append(message.split(" while ")[1].split(":")[0])
            assert sha(db) == before
            assert sorted(p.name for p in disk.iterdir()) == ["f.duckdb", "f.duckdb.lock"]  # nothing left behind
        else:
            break
        kb += 2048
        assert kb < 200_000, phases
    assert {"copying the database", "loading the tables", "writing the checkpoint"} <= set(phases), phases
    # the command line says it in one line, exit code 1
    disk = small_disk(base.stat().st_size // 1024 + 512)
    shutil.copyfile(base, disk / "f.duckdb")
    r = subprocess.run([sys.executable, "-m", "explorer", "load", str(second), "--db", str(disk / "f.duckdb"),
                        "--quiet"], capture_output=True, text=True, cwd=REPO)  # stderr: the error alone
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and "No space left" in r.stderr


def test_a_field_over_the_size_limit_and_huge_caseids_are_rejected_not_a_crash(tmp_path):
    huge = b"21$2$1$" + b"x" * (17 << 20) + b"\n"
    demo = (b"primaryid$caseid$caseversion$mfr_num\n11$1$1$A\n" + huge + b"31$" + b"9" * 23 + b"$1$B\n")
    z = write_quarter(tmp_path / "a", "2020q1", {}, raw={"demo": demo}, deleted=["5", "9" * 25])
    db = tmp_path / "f.duckdb"
    load([z], db)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT caseid FROM cases").fetchall() == [(1,)]
    reasons = [r for (r,) in con.execute("SELECT reason FROM rejects ORDER BY table_name, line_no").fetchall()]
    assert len(reasons) == 3 and "caseid has 25 digits" in reasons[0]
    assert "longer than" in reasons[1] and "23 digits" in reasons[2]


def test_an_embedded_dollar_is_loaded_in_its_column_or_rejected(tmp_path):
    # issue 14's reproduction: DEMO with '$' in mfr_num and an empty last field loaded with shifted columns
    header = ("primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$auth_num$mfr_num"
              "$mfr_sndr$lit_ref$age$age_cod$age_grp$sex$e_sub$wt$wt_cod$rept_dt$to_mfr$occp_cod$reporter_country"
              "$occr_country\n")
    good = "101$10$1$I$20200101$$20200103$20200103$EXP$$US-X-1$X$$50$YR$$M$Y$$$$$MD$US$US\n"
    bad = "102$11$1$I$20200101$$20200103$20200103$EXP$$JP-CUBIST-$E2B0000000182$CUBIST$$42$YR$$F$Y$$$$$MD$JP$\n"
    one = "103$12$1$I$20200101$$20200103$20200103$EXP$$JP-CUBIST-$E2B0000000183$$$43$YR$$F$Y$$$$$MD$JP$\n"
    z = write_quarter(tmp_path / "a", "2020q1", {}, raw={"demo": (header + good + bad + one).encode()})
    load([z], tmp_path / "f.duckdb")
    con = duckdb.connect(str(tmp_path / "f.duckdb"), read_only=True)
    # mfr_sndr empty: only mfr_num can hold the '$'
    row = con.execute("SELECT mfr_num, mfr_sndr, age, age_cod, sex, occp_cod, reporter_country, occr_country "
                      "FROM raw_demo WHERE primaryid = '103'").fetchone()
    assert row == ("JP-CUBIST-$E2B0000000183", None, "43", "YR", "F", "MD", "JP", None)
    assert con.execute("SELECT sex, age_years, country FROM cases WHERE caseid = 12").fetchone() == ("F", 43, "JP")
    # mfr_sndr 'CUBIST': the '$' may be in either value; the line is rejected with its reason, never shifted
    assert con.execute("SELECT count(*) FROM raw_demo WHERE primaryid = '102'").fetchone()[0] == 0
    (line_no, reason), = con.execute("SELECT line_no, reason FROM rejects").fetchall()
    assert line_no == 3 and "valid ways" in reason
    assert con.execute("SELECT lines_repaired FROM load_log WHERE table_name = 'demo'").fetchone()[0] == 1


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

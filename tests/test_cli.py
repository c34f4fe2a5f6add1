"""The command line: exit codes, one-line errors, and documentation of every command, option, table and column."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from explorer.cli import build_parser, main
from explorer.load import load

from .conftest import REPO
from .helpers import report, write_quarter

README = (REPO / "README.md").read_text(encoding="utf-8")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=cwd or REPO)


def test_load_and_info(tmp_path, samples):
    db = tmp_path / "f.duckdb"
    r = run("load", str(samples / "2020q3-excerpt"), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "loaded 1 quarter(s)" in r.stdout and "current_cases" in r.stdout and "1 line(s) rejected" in r.stdout
    assert "[1/1] 2020q3 DEMO" in r.stderr  # progress
    r = run("info", "--db", str(db))
    assert r.returncode == 0 and "2020q3" in r.stdout and "last line has no line terminator" in r.stdout
    assert "synthetic" not in r.stdout.split("\n")[0]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "nothing.zip", "nothing.zip: no such file or folder"),
        (lambda p: (p / "x.zip").write_bytes(b"junk") and p / "x.zip", "x.zip: not a zip file"),
        (lambda p: (p / "empty_dir").mkdir() or p / "empty_dir", "no FAERS quarter in this folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(tmp_path, make, message):
    db = tmp_path / "f.duckdb"
    r = run("load", str(make(tmp_path)), "--db", str(db))
    assert r.returncode == 1 and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not db.exists()


def test_unknown_header_names_the_file(tmp_path):
    z = write_quarter(tmp_path, "2020q1", {"demo": [report("11", "1", "1")]},
                      raw={"reac": b"primaryid$caseid$colour\n11$1$red\n"})
    r = run("load", str(z), "--db", str(tmp_path / "f.duckdb"))
    assert r.returncode == 1 and "REAC20Q1.txt: unknown REAC header field 'colour'" in r.stderr


def test_info_without_a_database(tmp_path):
    r = run("info", "--db", str(tmp_path / "none.duckdb"))
    assert r.returncode == 1 and "no database here" in r.stderr


def test_locked_database(tmp_path):
    db = tmp_path / "f.duckdb"
    load([write_quarter(tmp_path, "2020q1", {"demo": [report("11", "1", "1")]})], db)
    con = duckdb.connect(str(db))  # this process now holds it for writing
    try:
        code = subprocess.run([sys.executable, "-m", "explorer", "load", str(tmp_path / "faers_ascii_2020q1.zip"),
                               "--db", str(db)], capture_output=True, text=True, cwd=REPO)
        assert code.returncode == 1 and "locked by another process" in code.stderr
    finally:
        con.close()


def test_demo_command_on_a_new_database(tmp_path, capsys):
    db = tmp_path / "demo.duckdb"
    assert main(["demo", "--db", str(db), "--no-app"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("*** synthetic demo data — not FDA data ***") and "2025q4" in out
    assert main(["demo", "--db", str(db), "--no-app"]) == 0  # a second run only describes


def _commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices


def test_every_command_and_option_is_documented():
    for name, sub in _commands().items():
        assert f"`{name} " in README or f"`{name}`" in README, name
        assert sub.description, name
        for action in sub._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in README, f"{name} {flag}"
                    assert action.help, f"{name} {flag}"


def test_every_table_and_column_is_documented(tmp_path, samples):
    db = tmp_path / "f.duckdb"
    load([samples / "2020q3-head", write_quarter(tmp_path, "2019q1", {"demo": [report("11", "1", "1")]},
                                                   deleted=["1"])], db)
    con = duckdb.connect(str(db), read_only=True)
    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
                                        " AND table_type = 'BASE TABLE'").fetchall()]
    schema = README.split("## The database (public schema)", 1)[1].split("## Layout", 1)[0]
    for table in tables:
        assert f"`{table}`" in schema, table
        if table.startswith("raw_"):
            continue  # raw columns are FAERS's own names, listed by rule
        for (column,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = $t",
                                     {"t": table}).fetchall():
            assert re.search(rf"`{column}`", schema), f"{table}.{column}"


def test_readme_opens_with_the_two_commands():
    head = README.split("## What it does")[0]
    assert "./setup.sh && .venv/bin/python -m explorer demo" in head
    assert "./setup.sh --dev && .venv/bin/python -m pytest" in head
    ci = (REPO / ".ci" / "run").read_text()
    assert "./setup.sh --dev" in ci and "pytest" in ci


def test_shipped_demo_data_is_what_synth_writes(tmp_path):
    demo = REPO / "data" / "demo"
    shipped = sorted(p.name for p in demo.glob("*.zip"))
    assert len(shipped) == 88
    assert main(["synth", str(tmp_path), "--quarters", "2004q1-2025q4", "--scale", "0.002", "--seed", "1"]) == 0
    assert (tmp_path / "truth.json").read_text() == (demo / "truth.json").read_text()
    for name in ("aers_ascii_2004q1.zip", "faers_ascii_2012q4.zip", "faers_ascii_2025q4.zip"):
        assert (tmp_path / name).read_bytes() == (demo / name).read_bytes(), name
    assert Path(tmp_path / "faers_ascii_2019q1.zip").exists()


def test_signals_json_keys(demo_db):
    import json

    r = run("signals", "--db", str(demo_db), "--exposure", "esi", "--event-group", "spinal_cord_ischaemia",
            "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for key in ("a", "b", "c", "d", "expected", "prr", "prr_ci", "ror", "ror_ci", "ic", "ic025", "ic975", "ebgm",
                "eb05", "eb95"):
        assert key in out, key
    assert out["a"] > 0 and out["data"]["synthetic"] is True
    assert out["data"]["notice"] == "synthetic demo data — not FDA data"


def test_query_json_and_csv(demo_db):
    import json

    r = run("query", "--db", str(demo_db), "--exposure", "esi", "--event", "Paraplegia", "--format", "json")
    out = json.loads(r.stdout)
    assert {"cases", "by_year", "outcomes"} <= set(out) and out["cases"] == sum(out["by_year"].values())
    r = run("query", "--db", str(demo_db), "--exposure", "esi", "--what", "listing", "--limit", "3",
            "--format", "csv")
    lines = r.stdout.splitlines()
    assert lines[0] == "# synthetic demo data — not FDA data" and lines[1].startswith("caseid,")
    assert len(lines) == 5
    r = run("query", "--db", str(demo_db), "--exposure", "esi", "--event-group", "paralysis", "--what", "onset")
    assert r.returncode == 0 and "shape" in r.stdout and "synthetic demo data" in r.stdout


def test_selection_errors_are_one_line(demo_db):
    for args, message in ((("--exposure", "nope"), "unknown exposure 'nope'"),
                          (("--exposure", "esi", "--received-from", "2020-13-01"), "must be a date"),
                          (("--exposure", "esi", "--age-band", "0-17,75+"), "adjacent"),
                          ((), "needs an exposure")):
        r = run("signals", "--db", str(demo_db), *args)
        assert r.returncode == 1 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_screening_from_the_cli(demo_db):
    r = run("signals", "--db", str(demo_db), "--exposure", "esi", "--screen", "--limit", "10")
    assert r.returncode == 0 and "eb05" in r.stdout


def test_a_database_built_under_another_model_is_named_and_rebuilt(tmp_path, samples):
    db = tmp_path / "f.duckdb"
    load([samples / "2020q3-excerpt"], db)
    con = duckdb.connect(str(db))
    before = con.execute("SELECT count(*), sum(caseid) FROM cases").fetchone()
    con.execute("DROP TABLE probable_duplicates")  # as a store of the previous model had none
    con.execute("DELETE FROM meta WHERE key = 'model_version'")
    con.close()
    r = run("query", "--db", str(db), "--event", "Paraplegia")
    assert r.returncode == 1 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "built by another version of this tool" in r.stderr and f"explorer rebuild --db {db}" in r.stderr
    r = run("rebuild", "--db", str(db), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "rebuilt the model from the loaded quarters" in r.stdout and "probable_duplicates" in r.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*), sum(caseid) FROM cases").fetchone() == before
    assert con.execute("SELECT count(*) FROM load_log").fetchone()[0] > 0
    con.close()
    assert run("query", "--db", str(db), "--event", "Paraplegia").returncode == 0


def test_demo_rebuilds_a_stale_demo_database_by_itself(tmp_path, capsys):
    db = tmp_path / "demo.duckdb"
    load([write_quarter(tmp_path, "2020q1", {"demo": [report("11", "1", "1")]})], db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '1' WHERE key = 'model_version'")
    con.close()
    assert main(["demo", "--db", str(db), "--no-app"]) == 0
    assert "built by another version" in capsys.readouterr().err
    con = duckdb.connect(str(db), read_only=True)
    from explorer.store.reader import model_version
    from explorer.store.schema import MODEL_VERSION

    assert model_version(con) == MODEL_VERSION
    con.close()


def test_rebuild_without_a_database_is_one_line(tmp_path):
    r = run("rebuild", "--db", str(tmp_path / "none.duckdb"))
    assert r.returncode == 1 and "none.duckdb: no database here to rebuild" in r.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_load_removes_and_names_the_leftovers_of_a_dead_load(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its process id is now free: what it "left" is debris
    (tmp_path / f".f.duckdb.build-{dead.pid}").write_bytes(b"x" * 1000)
    (tmp_path / f".f.duckdb.build-{dead.pid}.wal").write_bytes(b"x")
    (tmp_path / f".f.duckdb.load-{dead.pid}-abc123").mkdir()
    (tmp_path / f".f.duckdb.load-{dead.pid}-abc123" / "2020q1_demo.txt").write_bytes(b"x")
    (tmp_path / ".other.duckdb.build-1").write_bytes(b"not ours to remove")
    z = write_quarter(tmp_path / "src", "2020q1", {"demo": [report("11", "1", "1")]})
    r = run("load", str(z), "--db", str(tmp_path / "f.duckdb"), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "removed 3 leftover(s)" in r.stdout and f".f.duckdb.build-{dead.pid}" in r.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [".other.duckdb.build-1"]

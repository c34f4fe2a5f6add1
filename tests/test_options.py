"""Every command refuses out-of-range and unknown option values with one line and exit code 1 (issue 14)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from explorer.cli import main
from explorer.load import load

from .conftest import REPO
from .helpers import report, write_quarter

BIG = "99999999999999999999"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    work = tmp_path_factory.mktemp("opts")
    rows = {"demo": [report("11", "1", "1"), report("21", "2", "1")],
            "drug": [{"primaryid": "11", "caseid": "1", "drug_seq": "1", "role_cod": "PS", "drugname": "DEPO-MEDROL",
                      "route": "EPIDURAL"}],
            "reac": [{"primaryid": "11", "caseid": "1", "pt": "Paraplegia"},
                     {"primaryid": "21", "caseid": "2", "pt": "Nausea"}]}
    path = work / "f.duckdb"
    load([write_quarter(work, "2020q1", rows)], path)
    return str(path)


BAD = [
    # (arguments, what the one line must say); "{db}" is the test database, "{tmp}" a writable folder
    (["query", "--what", "listing", "--limit", "-5"], "--limit"),
    (["query", "--what", "listing", "--limit", "0"], "--limit"),
    (["query", "--what", "listing", "--offset", "-1"], "--offset"),
    (["query", "--what", "listing", "--offset", BIG], "--offset"),
    (["query", "--what", "case", "--caseid", BIG + "999"], "--caseid"),
    (["query", "--what", "case", "--caseid", "12a"], "--caseid"),
    (["query", "--event", "Paraplegiaa"], "did you mean 'Paraplegia'"),
    (["query", "--event", "No such preferred term"], "no loaded case reports this PT"),
    (["query", "--event", ""], "--event"),
    (["signals", "--exposure", "esi", "--event", "Paraplegi"], "--event 'Paraplegi'"),
    (["query", "--exposure", "esi", "--roles", "PS,XX"], "unknown drug role 'XX'"),
    (["query", "--outcome", "ZZ"], "unknown outcome code 'ZZ'"),
    (["query", "--report-type", "EXPEDITED"], "unknown report type"),
    (["query", "--reporter", "DOCTOR"], "unknown reporter type"),
    (["query", "--sex", "X"], "unknown sex"),
    (["query", "--country", "USA"], "two-letter codes"),
    (["query", "--exposure", ""], "--exposure: must not be empty"),
    (["query", "--ingredient", " "], "--ingredient: must not be empty"),
    (["query", "--what", "nothing"], "invalid choice"),
    (["query", "--received-from", "2020-13-01"], "--received-from: must be a date"),
    (["query", "--event-to", "20200101"], "--event-to: must be a date"),
    (["signals", "--screen", "--exposure", "esi", "--min-cases", "-3"], "--min-cases"),
    (["signals", "--screen", "--exposure", "esi", "--limit", "-1"], "--limit"),
    (["check", "Paraplegia after epidural steroid injection.", "--pack", "/proc/x"], "--pack"),
    (["check", "Paraplegia after epidural steroid injection.", "--event", "Paraplegiaa"], "Paraplegiaa"),
    (["synth", "{tmp}/s", "--quarters", "2020q1", "--scale", "-1"], "--scale"),
    (["synth", "{tmp}/s", "--quarters", "2020q1", "--scale", "nan"], "--scale"),
    (["synth", "{tmp}/s", "--quarters", "2020q1", "--scale", "inf"], "--scale"),
    (["synth", "{tmp}/s", "--quarters", "2020q1", "--scale", "0.001", "--seed", "-1"], "--seed"),
    (["synth", "/proc/x", "--quarters", "2020q1", "--scale", "0.001"], "OUT_DIR"),
    (["synth", "{tmp}/s", "--quarters", ""], "--quarters"),
    (["synth", "{tmp}/s", "--quarters", "2020q5"], "--quarters"),
    (["download", ""], "QUARTERS"),
    # (a closed local port as mirror: run against code without the check, nothing reaches the internet)
    (["download", "2024q1", "--dest", "/proc/x", "--base-url", "http://127.0.0.1:9/"], "--dest"),
    (["load", ""], "SOURCE"),
    (["load", "{tmp}", "--db", "/proc/x.duckdb"], "--db"),
    (["load", "{tmp}", "--db", "{tmp}"], "is a folder"),
    (["rebuild", "--db", "/proc/x.duckdb"], "--db"),
    # (no database there: run against code without the check, no server starts)
    (["app", "--port", "99999", "--db", "{tmp}/none.duckdb"], "--port"),
    (["app", "--port", "0", "--db", "{tmp}/none.duckdb"], "--port"),
    (["demo", "--port", "-1", "--no-app", "--db", "/proc/x.duckdb"], "--port"),
    (["info", "--db", "{tmp}/none.duckdb"], "no database here"),
    (["nosuchcommand"], "invalid choice"),
    (["query", "--no-such-option"], "unrecognized arguments"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_option_values_are_one_line_and_exit_1(db, tmp_path, capsys, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if args[0] in ("query", "signals", "check", "info") and "--db" not in args:
        args += ["--db", db]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
    assert "Traceback" not in err and "unexpected" not in err  # the catch-all in main is not what answered
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("args", [["query", "--what", "listing", "--offset", BIG], ["synth", "/proc/x", "--quarters",
                                                                                      "2020q1", "--scale", "nan"]])
def test_a_bad_value_in_a_real_process_is_one_line_and_exit_1(db, args):
    r = subprocess.run([sys.executable, "-m", "explorer", *args, *(["--db", db] if args[0] == "query" else [])],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_good_values_still_work(db, capsys):
    assert main(["query", "--db", db, "--event", "PARAPLEGIA", "--roles", "ps,ss", "--exposure", "esi",
                 "--format", "json"]) == 0
    assert '"cases": 1' in capsys.readouterr().out
    assert main(["query", "--db", db, "--what", "listing", "--limit", "1", "--offset", "0", "--country", "us"]) == 0

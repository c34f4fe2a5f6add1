"""The generator and the loader check each other: synth -> load reproduces truth.json exactly, per era."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile

import duckdb
import pytest

from explorer.cli import main
from explorer.load import load
from explorer.quarters import expand
from explorer.synth.generator import generate, reports_per_quarter
from explorer.synth.layouts import quarter_layout

from .helpers import expected_duplicates

ESI = ["methylprednisolone", "triamcinolone", "dexamethasone", "betamethasone", "hydrocortisone"]
MENTIONS = ("regexp_matches(lower(coalesce(dose_vbm, '') || ' ' || coalesce(drugname, '')), "
            "'\\b(epidural|transforaminal|interlaminar|caudal|esi)\\b')")
EXPOSURE_SQL = {
    "esi": f"(route_canonical = 'Epidural' OR {MENTIONS}) AND role_cod IN ('PS', 'SS')",
    "esi_strict_route": "route_canonical = 'Epidural' AND role_cod IN ('PS', 'SS')",
    "esi_any_role": f"(route_canonical = 'Epidural' OR {MENTIONS})",
}


def cells(con, exposure: str, pts: list[str]) -> dict[str, int]:
    """2x2 cells over current cases, written out literally from the definitions in truth.json."""
    exposed = (f"SELECT DISTINCT caseid FROM drugs WHERE list_has_any(ingredients, $esi) AND "
               f"{EXPOSURE_SQL[exposure]}")
    event = "SELECT DISTINCT caseid FROM reactions WHERE list_contains($pts, pt_key)"
    params = {"esi": ESI, "pts": [p.lower() for p in pts]}
    n = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    a = con.execute(f"SELECT count(*) FROM ({exposed}) JOIN ({event}) USING (caseid)", params).fetchone()[0]
    ne = con.execute(f"SELECT count(*) FROM ({exposed})", {"esi": ESI}).fetchone()[0]
    nv = con.execute(f"SELECT count(*) FROM ({event})", {"pts": params["pts"]}).fetchone()[0]
    return {"a": a, "b": ne - a, "c": nv - a, "d": n - ne - nv + a}


@pytest.fixture(scope="module", params=["2011q3-2012q2", "2012q3-2013q2", "2018q4-2019q3"],
                ids=["laers", "laers-to-faers-2012q4-layout", "current-with-deletions"])
def synth_db(request, tmp_path_factory):
    work = tmp_path_factory.mktemp("synth")
    truth = generate(work / "zips", expand(request.param), scale=0.02, seed=5)
    db = work / "s.duckdb"
    load([work / "zips"], db)
    return truth, duckdb.connect(str(db), read_only=True)


def test_counts_match_truth(synth_db):
    truth, con = synth_db
    flow = dict(con.execute("SELECT step, n FROM dedup_flow").fetchall())
    assert flow["demo_rows"] == flow["reports"] == truth["reports_written"]
    assert flow["cases"] == truth["distinct_cases"]
    assert flow["deleted_cases"] == truth["deleted_cases"]
    assert flow["current_cases"] == truth["current_cases"]
    by_year = dict(con.execute("SELECT received_year::VARCHAR, count(*) FROM cases GROUP BY 1").fetchall())
    assert by_year == truth["cases_per_received_year"]
    rejected, rejoined = con.execute("SELECT sum(rows_rejected), sum(lines_rejoined) FROM load_log").fetchone()
    assert (rejected, rejoined) == (truth["expected_rejected_lines"], truth["expected_rejoined_records"])
    # a '$' inside INDI's last value is kept in its column, not rejected and not shifted
    kept = con.execute("SELECT count(*) FROM raw_indi WHERE indi_pt = 'Back$pain'").fetchone()[0]
    assert kept == truth["expected_dollar_values"] > 0


def test_every_planted_and_null_pair_matches_truth(synth_db):
    truth, con = synth_db
    groups = truth["definitions"]["event_groups"]
    for key, pair in truth["pairs"].items():
        pts = groups.get(pair["event"], [pair["event"]])
        assert cells(con, pair["exposure"], pts) == {k: pair[k] for k in "abcd"}, key


def test_the_data_is_marked_synthetic(synth_db):
    _, con = synth_db
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    assert meta["synthetic"] == "true" and meta["data_notice"] == "synthetic demo data — not FDA data"


def test_follow_ups_deletions_and_outbreak_are_present(tmp_path):
    truth = generate(tmp_path, expand("2012q4-2019q2"), scale=0.01, seed=2)
    assert truth["follow_up_reports"] > 0.1 * truth["distinct_cases"]
    assert truth["deleted_cases"] > 0
    esi_meningitis = truth["pairs"]["esi|Meningitis fungal"]
    assert esi_meningitis["a"] >= 12 and esi_meningitis["c"] < esi_meningitis["a"]
    assert truth["pairs"]["esi|Spinal cord infarction"]["a"] > 0
    # null pairs: reported with ESI at about the background rate
    for pt in ("Nausea", "Rash"):
        p = truth["pairs"][f"esi|{pt}"]
        ror = (p["a"] * p["d"]) / max(1, p["b"] * p["c"])
        assert 0.3 < ror < 3, (pt, ror)


def _first_line(data: bytes) -> bytes:
    return data.split(b"\n", 1)[0].rstrip(b"\r")


@pytest.fixture(scope="module")
def era_zips(tmp_path_factory):
    out = tmp_path_factory.mktemp("eras")
    generate(out, ["2004q1", "2005q3", "2012q4", "2018q1", "2019q1", "2020q3"], scale=0.002, seed=1)
    return out


def test_headers_match_fdas_bytes(era_zips, samples):
    with zipfile.ZipFile(era_zips / "faers_ascii_2012q4.zip") as zf:
        for t in ("demo", "drug", "reac", "outc", "rpsr", "ther", "indi"):
            ours = zf.read(f"ascii/{t}12q4.txt")
            fda = (samples / "2012q4-head" / f"{t}12q4.txt").read_bytes()
            assert _first_line(ours) == _first_line(fda), t
    with zipfile.ZipFile(era_zips / "faers_ascii_2020q3.zip") as zf:
        for t in ("DEMO", "DRUG", "REAC", "OUTC", "RPSR", "THER", "INDI"):
            ours, fda = zf.read(f"ASCII/{t}20Q3.txt"), (samples / "2020q3-head" / f"{t}20Q3.txt").read_bytes()
            # FDA's 2020Q3 DRUG file ends its header with '$' in some copies; ours does for all 2020 DRUG files
            assert _first_line(ours).rstrip(b"$") == _first_line(fda).rstrip(b"$"), t
    with zipfile.ZipFile(era_zips / "aers_ascii_2004q1.zip") as zf, \
            zipfile.ZipFile(samples / "zips" / "aers_ascii_2004q1.zip") as real:
        for t in ("DEMO", "DRUG", "REAC", "OUTC", "RPSR", "THER", "INDI"):
            ours = _first_line(zf.read(f"ascii/{t}04Q1.TXT"))
            # the sample was re-serialised: lower-cased names and an extra "v<n>" column from the trailing '$'
            theirs = _first_line(real.read(f"ascii/{t}04Q1.TXT")).decode()
            theirs = "$".join(n for n in theirs.rstrip("$").split("$") if not re.fullmatch(r"v\d+", n))
            assert ours.decode().lower() == theirs, t


def test_era_layout_details(era_zips):
    names = {p.name for p in era_zips.glob("*.zip")}
    assert {"aers_ascii_2004q1.zip", "aers_ascii_2005q3.zip", "faers_ascii_2012q4.zip"} <= names
    with zipfile.ZipFile(era_zips / "aers_ascii_2004q1.zip") as zf:
        demo = zf.read("ascii/DEMO04Q1.TXT")
        assert b"REPORTER_COUNTRY" not in demo and demo.split(b"\r\n")[1].endswith(b"$")
    with zipfile.ZipFile(era_zips / "aers_ascii_2005q3.zip") as zf:
        assert _first_line(zf.read("ascii/DEMO05Q3.TXT")).endswith(b"$REPORTER_COUNTRY")
    with zipfile.ZipFile(era_zips / "faers_ascii_2012q4.zip") as zf:
        assert zf.read("ascii/drug12q4.txt").startswith(b"\xef\xbb\xbf") and b"\r\n" in zf.read("ascii/drug12q4.txt")
    with zipfile.ZipFile(era_zips / "faers_ascii_2018q1.zip") as zf:
        assert "ascii/DEMO18Q1_new.txt" in zf.namelist()
        assert not any(n.startswith("Deleted/") for n in zf.namelist())
    with zipfile.ZipFile(era_zips / "faers_ascii_2019q1.zip") as zf:
        assert zf.read("Deleted/DELETE19Q1.txt").startswith(b" \n")
        assert zf.read("SYNTHETIC.txt").startswith("synthetic demo data — not FDA data".encode())


def test_same_seed_same_bytes(tmp_path):
    a = generate(tmp_path / "a", ["2013q1", "2013q2"], scale=0.003, seed=9)
    b = generate(tmp_path / "b", ["2013q1", "2013q2"], scale=0.003, seed=9)
    c = generate(tmp_path / "c", ["2013q1", "2013q2"], scale=0.003, seed=10)
    digest = {k: hashlib.sha256((tmp_path / k / "faers_ascii_2013q2.zip").read_bytes()).hexdigest() for k in "abc"}
    assert a == b and digest["a"] == digest["b"] != digest["c"] and a != c


def test_volumes_follow_faers_growth():
    assert reports_per_quarter("2004q1", 1) == 100_000
    assert reports_per_quarter("2025q4", 1) == 400_000
    total = sum(reports_per_quarter(q, 1) for q in expand("2004q1-2025q4"))
    assert 23_000_000 < total < 27_000_000


def test_cli_synth_and_load_show_the_synthetic_banner(tmp_path, capsys):
    assert main(["synth", str(tmp_path / "z"), "--quarters", "2015q1", "--scale", "0.002"]) == 0
    assert main(["load", str(tmp_path / "z"), "--db", str(tmp_path / "s.duckdb"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.count("synthetic demo data — not FDA data") >= 3
    truth = json.loads((tmp_path / "z" / "truth.json").read_text())
    assert truth["notice"] == "synthetic demo data — not FDA data"
    assert quarter_layout("2015q1").zip_name == "faers_ascii_2015q1.zip"


def test_second_source_reports_are_flagged_as_probable_duplicates(synth_db):
    truth, con = synth_db
    flagged = dict(con.execute("SELECT caseid, duplicate_of FROM probable_duplicates").fetchall())
    assert flagged == expected_duplicates(con)  # the rule, recomputed in Python from the model's tables
    planted = {twin: first for twin, first in truth["probable_duplicates"]["pairs"]}
    assert truth["second_source_cases"] > 0 and planted
    assert {twin: flagged.get(twin) for twin in planted} == planted  # every planted second source, to its first
    assert len(set(flagged) - set(planted)) <= 0.1 * len(planted)  # chance look-alikes are rare

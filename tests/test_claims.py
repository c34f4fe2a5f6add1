"""Claim check: the article's sentences, no match, an absent event, reproduction, and the evidence pack."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from explorer import analysis
from explorer.claims import ClaimError, check
from explorer.store.loader import load

from .conftest import REPO

ARTICLE = ("heaviness in both legs after an epidural steroid injection ... could be a sign of a rare but serious "
           "complication, such as spinal cord infarction or nerve damage, as reported in the FDA Adverse Event "
           "Reporting System database")
COMMON = ("Leg heaviness is a common side effect of epidural steroid injections and usually resolves within a few "
          "days to a week.")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("claims") / "demo.duckdb"
    load(sorted((REPO / "data" / "demo").glob("*.zip")), db)
    store = analysis.Store.open(db)
    yield db, store
    store.close()


def verdicts(report):
    return {(f["event"], f["claim_type"]): f["verdict"] for f in report["findings"]}


def test_the_articles_sentence(demo):
    _, store = demo
    r = check(store, ARTICLE)
    assert [m["exposure"] for m in r["matched"]["exposures"]] == ["esi"]
    assert {m["event"] for m in r["matched"]["events"]} == {
        "pt:Sensation of heaviness", "pt:Spinal cord infarction",
        "pts:Nerve injury|Neuropathy peripheral|Peripheral sensory neuropathy"}
    v = verdicts(r)
    assert v[("pt:Spinal cord infarction", "existence")] == "supported"
    assert v[("pt:Spinal cord infarction", "frequency")] == "not_assessable"  # "rare": no denominator
    sci = next(f for f in r["findings"] if f["event"] == "pt:Spinal cord infarction")
    assert sci["cases"] > 0 and sci["signal"]["a"] == sci["cases"]
    assert "not FDA data" in sci["reading"] and "neither how often" in sci["reading"]
    assert r["data"]["synthetic"] is True and len(r["data"]["files"]) == 88 * 7 + 28  # 7 tables, Deleted/ from 2019


def test_the_common_side_effect_sentence_is_not_assessable(demo):
    _, store = demo
    r = check(store, COMMON)
    v = verdicts(r)
    assert v[("pt:Sensation of heaviness", "frequency")] == "not_assessable"
    assert v[("pt:Sensation of heaviness", "time_course")] == "not_assessable"  # recovery is not in the data
    assert all(f["verdict"] != "supported" for f in r["findings"] if f["claim_type"] != "existence")


def test_onset_claims_are_compared_with_time_to_onset(demo):
    _, store = demo
    r = check(store, "Paraplegia after an epidural steroid injection appears within 3 days.")
    f = next(f for f in r["findings"] if f["claim_type"] == "time_course")
    assert f["verdict"] in ("consistent", "not_consistent", "not_assessable")
    if f["onset"]["n"] >= 3:
        assert f["verdict"] == ("consistent" if f["onset"]["within_window"] >= 0.5 else "not_consistent")


def test_an_event_absent_from_the_data_is_not_found(demo):
    _, store = demo
    r = check(store, "Epidural steroid injections have been reported to cause spinal artery embolism.")
    v = verdicts(r)
    assert v[("pt:Spinal artery embolism", "existence")] == "not_found"
    assert v[("pt:Spinal artery embolism", "causation")] == "not_assessable"


@pytest.mark.parametrize(("text", "message"), [("", "empty"), ("   ", "empty"),
                                              ("The weather was lovely on Tuesday.", "found no drug or event"),
                                              ("Spinal cord infarction is serious.", "found no drug")])
def test_bad_or_unrecognisable_text(demo, text, message):
    _, store = demo
    with pytest.raises(ClaimError, match=message):
        check(store, text)


def run(*args):
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=REPO)


def test_cli_json_pack_and_reproduction(demo, tmp_path):
    db, _ = demo
    pack = tmp_path / "pack"
    r = run("check", ARTICLE, "--db", str(db), "--format", "json", "--pack", str(pack))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {"findings", "matched", "data"} <= set(out)
    for key in ("exposure", "event", "claim_type", "verdict", "cases"):
        assert key in out["findings"][0]
    names = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()}
    assert {"evidence.html", "evidence.pdf", "methods.md", "citation.txt", "query.toml", "tables/findings.csv"} <= names
    assert {n.rsplit(".", 1)[1] for n in names if n.startswith("charts/")} == {"png", "svg", "pdf"}
    page = (pack / "evidence.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)  # no external resources
    assert "<link" not in page and "<script" not in page and "<svg" in page
    from pypdf import PdfReader

    pdf_text = " ".join(p.extract_text() for p in PdfReader(pack / "evidence.pdf").pages).replace("\n", " ")
    assert "Deduplication followed" in pdf_text and re.search(r"hypothesis-\s*generating", pdf_text)
    assert "SYNTHETIC" in pdf_text
    methods = (pack / "methods.md").read_text()
    for item in ("custodian", "sha256", "latest version", "Exposure:", "MedDRA PTs", "EB05", "not incidence"):
        assert item in methods, item
    again = run("check", "--from", str(pack / "query.toml"), "--format", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["findings"] == out["findings"]


def test_cli_overrides_and_errors(demo, tmp_path):
    db, _ = demo
    r = run("check", "A claim with nothing in it.", "--db", str(db), "--exposure", "esi", "--event-group", "paralysis")
    assert r.returncode == 0 and "Paralysis" in r.stdout
    for args, message in ((("",), "empty"), (("Nothing here.",), "found no drug or event"),
                          (("x", "--exposure", "nope"), "unknown exposure 'nope'")):
        r = run("check", *args, "--db", str(db))
        assert r.returncode == 1 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("text = [unclosed\n")
    r = run("check", "--from", str(bad), "--db", str(db))
    assert r.returncode == 1 and "does not parse" in r.stderr


def test_the_methods_paragraph_says_how_probable_duplicates_were_treated(tmp_path):
    from explorer.report.evidence import methods
    from explorer.selection import Filters

    from .helpers import duplicates_fixture, write_quarter

    db = tmp_path / "dups.duckdb"
    load([write_quarter(tmp_path, "2020q1", duplicates_fixture())], db)
    store = analysis.Store.open(db)
    try:
        text = "Paraplegia has been reported after epidural steroid injections."
        kept = check(store, text)
        finding = next(f for f in kept["findings"] if f["claim_type"] == "existence")
        assert finding["cases"] == 6 and finding["probable_duplicates"] == 2  # case 7 had no epidural steroid
        assert "2 flagged as probable duplicates" in finding["reading"]
        assert "2 current cases were flagged as probable duplicates" in methods(kept)
        assert "kept in the counts" in methods(kept)
        dropped = check(store, text, filters=Filters(exclude_probable_duplicates=True))
        finding = next(f for f in dropped["findings"] if f["claim_type"] == "existence")
        assert finding["cases"] == 4 and finding["probable_duplicates"] == 0
        assert "excluded from the counts" in methods(dropped)
    finally:
        store.close()

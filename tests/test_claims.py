"""Claim check: claims read by sentence and clause, negation, hedging, recognition, verdicts, the pack."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from explorer.claims import ClaimError, check
from explorer.load import load
from explorer.store.reader import Store

from .claims.evaluate import HERE, load_items, score
from .conftest import REPO

SEED = ("The patient should be advised to contact their healthcare provider if the sensation of \"heaviness\" in both "
        "legs doesn't improve within the next 1-2 days or if it worsens, as this could be a sign of a rare but serious "
        "complication, such as spinal cord infarction or nerve damage, as reported in the FDA Adverse Event Reporting "
        "System database. The sensation of \"heaviness\" in both legs following an epidural hip injection for chronic "
        "pain is a common side effect that typically resolves within a few days to a week. This heaviness occurs "
        "because the steroid medication or local anesthetic used in the epidural injection can temporarily affect "
        "nerve function and muscle strength in the lower extremities.")


@pytest.fixture(scope="module")
def demo(demo_db):
    store = Store.open(demo_db)
    yield demo_db, store
    store.close()


def claims_of(report):
    return {(f["sentence"], f["exposure"], f["event_title"], f["claim_type"]): f["verdict"] for f in report["findings"]}


def test_the_seed_paragraph_gets_one_verdict_per_claim_it_makes(demo):
    _, store = demo
    got = claims_of(check(store, SEED))
    esi = "esi"
    assert got == {
        (0, esi, "Spinal cord infarction", "possibility"): "supported",
        (0, esi, "Spinal cord infarction", "frequency"): "not_assessable",
        (0, esi, "Spinal cord infarction", "existence"): "supported",
        (0, esi, "Nerve damage", "possibility"): "not_found",
        (0, esi, "Nerve damage", "frequency"): "not_assessable",
        (0, esi, "Nerve damage", "existence"): "not_found",
        (1, esi, "Sensation of heaviness", "frequency"): "not_assessable",
        (1, esi, "Sensation of heaviness", "recovery"): "not_assessable",
        (2, esi, "Sensation of heaviness", "causation"): "not_assessable",
        (2, "class:local_anaesthetic@epidural", "Sensation of heaviness", "causation"): "not_assessable",
    }
    # the advice window ("doesn't improve within the next 1-2 days") is no onset claim, and the exposure of the
    # first sentence is the paragraph's, said so
    report = check(store, SEED)
    assert all(f["claim_type"] != "time_course" for f in report["findings"])
    assert all(f["inherited"] for f in report["findings"] if f["sentence"] == 0)
    assert {m["role"] for m in report["sentences"][1]["events"]} == {"suspect"}  # chronic pain is no event


@pytest.mark.parametrize(("text", "expected"), [
    ("No cases of paraplegia have been reported after interlaminar ESIs.", ("negation", "contradicted")),
    ("Guillain-Barré syndrome has never been reported after Kenalog-40.", ("negation", "consistent")),
    ("There were no reports of cauda equina syndrome after caudal epidural injections.", ("negation", "consistent")),
    ("Spinal cord infarction after TFESI is rare, with an incidence of fewer than 1 in 10,000 procedures.",
     ("frequency", "not_assessable")),
    ("Paraplegia could be related to a transforaminal epidural steroid injection.", ("possibility", "supported")),
    ("Transforaminal ESIs have been linked to paraplegia.", ("association", "not_assessable")),
    ("Epidural steroid injections cause paraplegia.", ("causation", "not_assessable")),
    ("Paraplegia has been reported in FAERS after transforaminal epidural steroid injections.",
     ("existence", "supported")),
    ("Leg heaviness after an epidural steroid injection usually resolves within a week.",
     ("recovery", "not_assessable")),
])
def test_each_claim_class(demo, text, expected):
    _, store = demo
    report = check(store, text)
    types = {(f["claim_type"], f["verdict"]) for f in report["findings"]}
    assert expected in types, report["findings"]
    if expected[0] in ("negation", "existence", "frequency"):
        assert all("signal" not in f for f in report["findings"] if f["claim_type"] == expected[0])


def test_negation_is_scoped_to_its_clause(demo):
    _, store = demo
    got = claims_of(check(store, "No cases of cauda equina syndrome were reported after ILESI, but paraplegia has "
                                 "been described after transforaminal injections."))
    assert got[(0, "esi", "Cauda equina syndrome", "negation")] == "consistent"
    assert got[(0, "esi", "Paraplegia", "existence")] == "supported"
    assert (0, "esi", "Paraplegia", "negation") not in got


@pytest.mark.parametrize(("words", "exposure", "event"), [
    ("Depo-Medrol", "ingredient:methylprednisolone", None), ("Kenalog-40", "ingredient:triamcinolone", None),
    ("a TFESI", "esi", None), ("an ILESI", "esi", None), ("an epidural hip injection", "esi", None),
    ("an ESI", "esi", "Headache"), ("an ESI", "esi", "Spinal cord infarction"), ("an ESI", "esi", "Urinary incontinence"),  # noqa: E501
    ("an ESI", "esi", "Blindness"), ("an ESI", "esi", "Extradural haematoma"), ("an ESI", "esi", "Guillain-Barre syndrome"),  # noqa: E501
    ("an ESI", "esi", "Paraplegia"),
])
def test_recognition_does_not_depend_on_the_loaded_data(demo, words, exposure, event):
    _, store = demo
    phrases = {"Headache": "headaches", "Spinal cord infarction": "infarction of the spinal cord",
               "Urinary incontinence": "loss of bladder or bowel control", "Blindness": "loss of vision",
               "Extradural haematoma": "an epidural haematoma", "Guillain-Barre syndrome": "Guillain-Barré syndrome",
               "Paraplegia": "paralysed legs"}
    text = f"Patients have reported {phrases.get(event, 'paraplegia')} after {words}."
    report = check(store, text)
    assert report["findings"], text
    f = report["findings"][0]
    assert f["exposure"].startswith(exposure)
    assert (event or "Paraplegia") in f["pts"] or (event or "Paraplegia") == f["event_title"]


def test_an_absent_drug_or_event_is_not_found_never_an_error(demo):
    _, store = demo
    report = check(store, "Arachnoiditis has been reported after intrathecal nusinersen.")
    f = report["findings"][0]
    assert f["verdict"] == "not_found" and "absent from the loaded quarters" in f["absent"]
    report = check(store, "Hiccups have been reported after epidural steroid injections.")
    assert report["findings"][0]["verdict"] in ("supported", "not_found")


def test_routes_roles_and_indications_bind_to_their_words(demo):
    _, store = demo
    report = check(store, "Epidural fentanyl has been reported to cause pruritus.")
    assert report["findings"][0]["exposure"] == "ingredient:fentanyl@epidural"
    exp = next(e for e in report["used"]["exposures"] if e["name"] == "ingredient:fentanyl@epidural")
    assert list(exp["routes"]) == ["Epidural"] and list(exp["roles"]) == ["PS", "SS"]
    report = check(store, "Patients also taking warfarin who receive an ESI for lumbar spinal stenosis have developed "
                          "epidural hematoma.")
    assert {f["exposure"] for f in report["findings"]} == {"esi"}
    assert {f["event_title"] for f in report["findings"]} == {"Epidural haematoma"}
    report = check(store, "Epidural steroid injections are used to treat lumbar spinal stenosis and sciatica.")
    assert report["findings"] == []
    report = check(store, "Intravenous dexamethasone has been linked to hiccups.")
    assert report["findings"][0]["exposure"].startswith("ingredient:dexamethasone@intravenous")


def test_time_course_is_compared_with_onsets_only_when_a_window_is_stated(demo):
    _, store = demo
    report = check(store, "Paraplegia usually appears within 24 hours after a transforaminal epidural steroid "
                          "injection.")
    f = next(f for f in report["findings"] if f["claim_type"] == "time_course")
    onset = f["onset"]
    assert f["window_days"] == 1 and onset["n"] == len(onset["days"])
    assert onset["within"] == sum(d <= 1 for d in onset["days"])
    expected = "not_assessable" if onset["n"] < 5 else (
        "consistent" if onset["within"] / onset["n"] >= 0.5 else "not_consistent")
    assert f["verdict"] == expected and f"{onset['within']} of {onset['n']}" in f["evidence"]
    report = check(store, "Heaviness after an ESI usually resolves within a week.")
    assert all(f["claim_type"] != "time_course" for f in report["findings"])


def test_json_keeps_its_keys_for_scripts(demo):
    _, store = demo
    report = json.loads(json.dumps(check(store, SEED), default=str))
    assert {"name", "title", "ingredients"} <= set(report["used"]["exposures"][0])
    assert {"name", "title", "pts"} <= set(report["used"]["events"][0])
    for key in ("exposure", "event", "claim_type", "verdict", "cases", "sentence", "quote"):
        assert key in report["findings"][0]
    assert set(report["legend"]) == {"supported", "not_found", "contradicted", "consistent", "not_consistent",
                                     "not_assessable"}


def test_the_annotated_sentences_reach_the_target_accuracy(demo):
    _, store = demo
    result = score(load_items(HERE / "annotated.toml"), lambda text: check(store, text))
    print(result.summary())
    assert result.expected >= 80
    assert result.accuracy >= 0.95, "\n".join(result.misses)


def test_empty_text_is_refused(demo):
    _, store = demo
    with pytest.raises(ClaimError, match="empty"):
        check(store, "   ")
    assert check(store, "The weather was lovely on Tuesday.")["findings"] == []


def run(*args):
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=REPO)


def test_cli_pack_an_editor_would_attach(demo, tmp_path):
    db, _ = demo
    pack = tmp_path / "pack"
    text = SEED + " Paraplegia after an ESI usually begins within 24 hours."
    r = run("check", text, "--db", str(db), "--format", "json", "--pack", str(pack))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    names = {p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()}
    assert {"evidence.html", "evidence.pdf", "methods.md", "citation.txt", "query.toml", "tables/findings.csv",
            "appendix/files.csv"} <= names
    assert any("onset" in n for n in names if n.startswith("charts/")), names  # behind the onset verdict
    page = (pack / "evidence.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<link" not in page and "<script" not in page and "<svg" in page and "<mark" in page
    from pypdf import PdfReader

    pages = PdfReader(pack / "evidence.pdf").pages
    assert len(pages) <= 8
    texts = [p.extract_text() for p in pages]
    assert all("SYNTHETIC" in t for t in texts)  # the label on every page
    assert not any(re.search(r"\b[0-9a-f]{64}\b", t) for t in texts)  # checksums live in the appendix
    assert re.search(r"\b[0-9a-f]{64}\b", (pack / "appendix" / "files.csv").read_text())
    query = (pack / "query.toml").read_text()
    assert str(tmp_path) not in query and "/work" not in query and str(db) not in query
    methods = (pack / "methods.md").read_text()
    for item in ("custodian", "latest version", "roles PS/SS", "MedDRA PTs", "READUS-PV items covered", "route"):
        assert item in methods, item
    again = run("check", "--from", str(pack / "query.toml"), "--db", str(db), "--format", "json")
    assert again.returncode == 0, again.stderr
    strip = lambda fs: [{k: v for k, v in f.items() if k != "reading"} for f in fs]  # noqa: E731
    assert strip(json.loads(again.stdout)["findings"]) == strip(out["findings"])


def test_cli_overrides_and_errors(demo, tmp_path):
    db, _ = demo
    r = run("check", "Paraplegia has been reported.", "--db", str(db), "--exposure", "esi")
    assert r.returncode == 0 and "Paraplegia" in r.stdout and "Epidural corticosteroid injection" in r.stdout
    for args, message in ((("",), "empty"), (("x", "--exposure", "nope"), "unknown exposure 'nope'"),
                          (("x", "--pack", "/proc/x"), "--pack")):
        r = run("check", *args, "--db", str(db))
        assert r.returncode == 1 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr
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
    store = Store.open(db)
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
        assert "were excluded" in methods(dropped)
    finally:
        store.close()


def test_any_text_gets_valid_verdicts_or_none(demo):
    """Open-ended input: any text is read without an error, and every finding has a known type and verdict."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from explorer.claims import CLAIM_TYPES, VERDICTS

    _, store = demo
    words = st.sampled_from(["ESI", "Depo-Medrol", "paraplegia", "no", "cases", "of", "have", "been", "reported",
                             "after", "within", "24", "hours", "rare", "causes", "linked", "to", "may", ",", ".", "?",
                             ";", "(", ")", "—", "é", "1 in 10,000", "5%", "it", "this", "these complications",
                             "epidural", "fentanyl", "stroke", "for", "sciatica", "résolves", "\n", "\t"])

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(words, min_size=1, max_size=30).map(" ".join))
    def run_one(text):
        if not text.strip():
            return
        report = check(store, text)
        for f in report["findings"]:
            assert f["claim_type"] in CLAIM_TYPES and f["verdict"] in VERDICTS
            assert 0 <= f["sentence"] < len(report["sentences"])
            if f["claim_type"] in ("existence", "negation", "frequency", "possibility", "recovery", "time_course"):
                assert "signal" not in f

    run_one()


def test_a_bad_lexicon_is_one_error(demo, tmp_path):
    from explorer.claims import LexiconError

    _, store = demo
    bad = tmp_path / "lexicon.toml"
    bad.write_text("[exposures.x]\nphrases = 3\n")
    with pytest.raises(LexiconError, match="lexicon.toml"):
        check(store, "Paraplegia after ESI.", lexicon=bad)
    r = run("check", "Paraplegia after ESI.", "--db", str(demo[0]), "--lexicon", str(tmp_path / "missing.toml"))
    assert r.returncode == 1 and "no lexicon file" in r.stderr and "Traceback" not in r.stderr


def test_lexicon_phrases_expand_to_plurals_british_spellings_and_alternatives():
    from explorer.claims.lexicon import expand, fold

    forms = expand("epidural (hip|) hematoma")
    assert {"epidural hip hematoma", "epidural hematoma", "epidural hematomas", "epidural haematoma"} <= set(forms)
    assert "esis" in expand("esi") and "arteries" in expand("artery")
    assert fold("Guillain-Barré") == "guillain-barre" and len(fold("Barré")) == 5


def test_an_elliptic_negation_is_about_its_own_drug(demo):
    _, store = demo
    got = claims_of(check(store, "Arachnoiditis has been reported after epidural Depo-Medrol, while Decadron has not."))
    assert got[(0, "ingredient:methylprednisolone@epidural", "Arachnoiditis", "existence")] == "supported"
    assert (0, "ingredient:dexamethasone@epidural", "Arachnoiditis", "negation") in got
    assert (0, "ingredient:dexamethasone@epidural", "Arachnoiditis", "existence") not in got

"""MedDRA from the user's own distribution: reading, import, mapping, SMQs, the hierarchy, and life without it.

Everything runs on the INVENTED distribution of ``meddra_fixture`` (no MedDRA content ships) and on two hand-made
FAERS quarters whose reactions use its terms.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import duckdb
import pytest

from explorer.cli import main
from explorer.definitions import load_definitions
from explorer.load import load
from explorer.meddra import lookup
from explorer.meddra.ascii import MeddraFileError, read_distribution
from explorer.meddra.importer import import_distribution
from explorer.store.reader import Store

from .conftest import REPO
from .meddra_fixture import ALGORITHMIC_SMQ, BROAD, CASES, NARROW, PARENT_SMQ, SMQ_NAME, write_distribution, write_faers

IMPORT_HINT = "python -m explorer meddra import DIR"


@pytest.fixture(scope="module")
def plain_db(tmp_path_factory):
    """The FAERS fixture loaded, no MedDRA."""
    base = tmp_path_factory.mktemp("meddra")
    db = base / "plain.duckdb"
    load(write_faers(base / "src"), db)
    return db


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """The invented distribution at 90.0 and 91.0: {version: folder}."""
    base = tmp_path_factory.mktemp("dist")
    return {v: write_distribution(base / v, v) for v in ("90.0", "91.0")}


@pytest.fixture(scope="module")
def meddra_db(plain_db, dists, tmp_path_factory):
    """The FAERS fixture with 91.0 (current) and 90.0 (older) imported."""
    db = tmp_path_factory.mktemp("meddra_db") / "m.duckdb"
    shutil.copyfile(plain_db, db)
    import_distribution(dists["91.0"], db)
    import_distribution(dists["90.0"], db)
    return db


def copy_of(db, tmp_path):
    out = tmp_path / db.name
    shutil.copyfile(db, out)
    return out


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def listed_cases(capsys, db, *options) -> set[int]:
    code, out, err = cli(capsys, "query", "--db", db, "--what", "listing", "--limit", "100", "--format", "json",
                         *options)
    assert code == 0, err
    return {row["caseid"] for row in json.loads(out)["rows"]}


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- reading the distribution -------------------------------------------------------------------------------

def test_the_reader_reads_the_msso_layout(dists, tmp_path):
    d = read_distribution(dists["91.0"])  # the folder holding MedAscii/
    assert (d.version, d.language) == ("91.0", "English")
    assert {k: d.count(k) for k in ("llt", "pt", "hlt", "hlgt", "soc", "smq_list")} == {
        "llt": 7, "pt": 5, "hlt": 3, "hlgt": 2, "soc": 2, "smq_list": 3}
    pt = d.tables["pt"].set_index("pt_code")
    assert pt.loc[73000001, "pt_name"] == "Zorblat syndrome" and pt.loc[73000001, "pt_soc_code"] == 70000001
    llt = d.tables["llt"].set_index("llt_code")
    assert llt.loc[74000002, "llt_currency"] == "N" and llt.loc[74000002, "pt_code"] == 73000003
    assert read_distribution(dists["91.0"] / "MedAscii").sha256 == d.sha256  # the MedAscii folder itself
    upper = write_distribution(tmp_path / "upper", upper_names=True, medascii=False)  # LLT.ASC, ... in the folder
    assert read_distribution(upper).count("pt") == 5


@pytest.mark.parametrize(("replace", "message"), [
    ({"hlt.asc": None}, "hlt.asc: missing from the MedDRA distribution"),
    ({"llt.asc": []}, "llt.asc: empty"),
    ({"pt.asc": ["73000001$Zorblat syndrome$$70000001$$$$$$"]}, "pt.asc: line 1: 10 fields where the MedDRA layout "
                                                                  "of pt.asc has 11"),
    ({"soc.asc": ["7000000X$Invented nervous disorders$Inerv$$$$$$$$"]}, "soc.asc: record 1: soc_code '7000000X' is "
                                                                         "not a number"),
    ({"soc.asc": ["70000001$Invented nervous disorders$Inerv$$$$$$$$"]}, "pt.asc: record 2: pt_soc_code 70000002 is "
                                                                         "not a SOC of soc.asc"),
    ({"meddra_release.asc": None}, "meddra_release.asc: missing"),
    ({"meddra_release.asc": ["latest$English$$"]}, "meddra_release.asc: 'latest' is not a MedDRA version"),
    ({"smq_content.asc": ["75000009$73000002$4$2$A$0$A$90.0$91.0$"]}, "smq_content.asc: record 1: smq_code 75000009 "
                                                                      "is not an SMQ of smq_list.asc"),
])
def test_a_bad_distribution_is_one_line_and_leaves_the_database_untouched(meddra_db, tmp_path, capsys, replace,
                                                                         message):
    db = copy_of(meddra_db, tmp_path)
    before = sha256(db)
    bad = write_distribution(tmp_path / "bad", "92.0", replace=replace)
    code, out, err = cli(capsys, "meddra", "import", bad, "--db", db, "--quiet")
    assert code == 1 and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert sha256(db) == before
    assert [p.name for p in tmp_path.iterdir() if ".build" in p.name] == []


def test_not_a_distribution_folder(tmp_path, plain_db, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = cli(capsys, "meddra", "import", tmp_path / "empty", "--db", plain_db)
    assert code == 1 and "no MedDRA ASCII files here" in err


def test_a_failure_during_the_remap_leaves_the_database_untouched(meddra_db, dists, tmp_path, monkeypatch):
    db = copy_of(meddra_db, tmp_path)
    before = sha256(db)

    def boom(con, timings=None):
        raise RuntimeError("killed half-way")
    monkeypatch.setattr("explorer.store.update.remap_reactions", boom)
    with pytest.raises(RuntimeError):
        import_distribution(dists["90.0"], db, make_current=True)
    assert sha256(db) == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT version FROM meddra_versions WHERE is_current").fetchall() == [("91.0",)]


# ---- mapping reported terms ---------------------------------------------------------------------------------

EXPECTED_PT = {1: "Zorblat syndrome", 2: "Quibble infarction", 3: "Flimmer palsy", 4: "Grommet ache",
               5: "Zorblat syndrome", 6: "Nonexistent blorp", 7: "Flimmer palsy", 8: "Flimmer palsy",
               9: "Wobbly gait"}
EXPECTED_HOW = {"Zorblat syndrome": "pt", "QUIBBLE INFARCT": "older_version", "Flimmer palsy": "pt",
                "Grommet ache": "pt", "Zorblat fit": "llt", "Nonexistent blorp": "unmapped",
                "FLIMMER  palsy": "pt", "Old zorb spell": "llt", "Wobbly gait": "pt"}


def test_reported_terms_map_to_current_pts_and_the_raw_term_is_kept(meddra_db):
    con = duckdb.connect(str(meddra_db), read_only=True)
    rows = con.execute("SELECT caseid, pt, pt_key, pt_name FROM reactions ORDER BY caseid").fetchall()
    assert {c: raw for c, raw, _, _ in rows} == {c: term for c, (term, _, _) in CASES.items()}  # raw, as shipped
    assert {c: name for c, _, _, name in rows} == EXPECTED_PT
    assert all(key == name.lower() for _, _, key, name in rows)
    how = dict(con.execute("SELECT term, matched_by FROM meddra_term_map").fetchall())
    assert how == EXPECTED_HOW
    # the renamed PT's event matching, the PT index and the vocabulary use the current name
    assert con.execute("SELECT caseid FROM reaction_index WHERE pt_key = 'quibble infarction'").fetchall() == [(2,)]
    assert con.execute("SELECT n_cases FROM pt_vocab WHERE pt_key = 'flimmer palsy'").fetchone() == (3,)


def test_a_renamed_pt_needs_the_older_version(plain_db, dists, tmp_path):
    db = copy_of(plain_db, tmp_path)
    import_distribution(dists["91.0"], db)  # 91.0 alone: the 2004 name of PT 73000002 is nowhere in it
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT matched_by FROM meddra_term_map WHERE term = 'QUIBBLE INFARCT'").fetchone() == (
        "unmapped",)
    con.close()
    summary = import_distribution(dists["90.0"], db)
    assert summary.action == "imported" and not summary.is_current and summary.current == "91.0"
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT pt_name, matched_by, matched_version FROM meddra_term_map "
                       "WHERE term = 'QUIBBLE INFARCT'").fetchone() == ("Quibble infarction", "older_version", "90.0")


def test_unmapped_terms_are_counted_and_listed(meddra_db, capsys):
    code, out, err = cli(capsys, "meddra", "unmapped", "--db", meddra_db, "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["meddra_version"] == "MedDRA 91.0 English"
    assert payload["rows"] == [{"term": "Nonexistent blorp", "n_cases": 1, "n_rows": 1}]
    code, out, _ = cli(capsys, "info", "--db", meddra_db)
    assert "MedDRA: reported terms mapped to MedDRA 91.0 English PTs" in out and "Nonexistent blorp" in out
    store = Store.open(meddra_db)
    from explorer.meddra.service import overview
    info = overview(store)
    assert info["version"] == "MedDRA 91.0 English" and list(info["unmapped"]["term"]) == ["Nonexistent blorp"]
    mapping = info["mapping"].set_index("matched_by")
    assert mapping.loc["unmapped", "n_cases"] == 1 and mapping.loc["llt", "n_cases"] == 2


# ---- event definitions by MedDRA ----------------------------------------------------------------------------

def test_smq_narrow_returns_exactly_its_cases_and_broad_adds_the_broad_term(meddra_db, capsys):
    assert listed_cases(capsys, meddra_db, "--event-smq", SMQ_NAME, "--scope", "narrow") == NARROW
    assert listed_cases(capsys, meddra_db, "--event-smq", SMQ_NAME.upper()) == NARROW  # narrow by default, any case
    assert listed_cases(capsys, meddra_db, "--event-smq", SMQ_NAME, "--scope", "broad") == BROAD
    assert listed_cases(capsys, meddra_db, "--event-smq", "75000001", "--scope", "broad") == BROAD  # by code
    assert listed_cases(capsys, meddra_db, "--event-smq", PARENT_SMQ) == NARROW  # through its sub-SMQ


def test_signals_by_smq(meddra_db, capsys):
    exposed = {c for c, (_, _, e) in CASES.items() if e}
    for scope, cases in (("narrow", NARROW), ("broad", BROAD)):
        code, out, err = cli(capsys, "signals", "--db", meddra_db, "--ingredient", "zorbicillin", "--event-smq",
                             SMQ_NAME, "--scope", scope, "--format", "json")
        assert code == 0, err
        s = json.loads(out)
        assert (s["a"], s["b"], s["c"], s["d"]) == (len(cases & exposed), len(exposed - cases),
                                                    len(cases - exposed), len(CASES) - len(cases | exposed))
        assert f"SMQ {SMQ_NAME} ({scope}); MedDRA 91.0 English" in err  # the terms and the version are stated


def test_hierarchy_options(meddra_db, capsys):
    # the SOC in every axis: Quibble infarction (primary) and Zorblat syndrome (secondary)
    assert listed_cases(capsys, meddra_db, "--event-soc", "Invented vascular disorders") == {1, 2, 5}
    assert listed_cases(capsys, meddra_db, "--event-soc", "Ivasc") == {1, 2, 5}
    assert listed_cases(capsys, meddra_db, "--event-hlt", "Flimmer disorders") == {3, 4, 7, 8}
    assert listed_cases(capsys, meddra_db, "--event-hlgt", "Invented neurological signs") == {1, 3, 4, 5, 7, 8, 9}
    # MedDRA terms and PTs together
    assert listed_cases(capsys, meddra_db, "--event-hlt", "Flimmer disorders", "--event", "Nonexistent blorp") == {
        3, 4, 6, 7, 8}
    code, _, err = cli(capsys, "query", "--db", meddra_db, "--event-hlt", "Nothing of the sort")
    assert code == 1 and "no HLT 'Nothing of the sort' in MedDRA 91.0 English" in err


def test_algorithmic_smqs_are_said_to_be_used_by_their_term_lists(meddra_db):
    store = Store.open(meddra_db)
    from explorer.meddra.service import event_from_options
    group = event_from_options(store, ALGORITHMIC_SMQ, "broad")
    assert set(group.pts) == {"Zorblat syndrome", "Wobbly gait"}
    assert "algorithmic SMQ, used here by its narrow/broad term lists only" in group.title
    assert "algorithmic" not in event_from_options(store, SMQ_NAME).title


def test_events_toml_groups_by_meddra(meddra_db, plain_db, tmp_path, capsys):
    folder = tmp_path / "defs"
    shutil.copytree(REPO / "queries" / "definitions", folder)
    with (folder / "mine.toml").open("w") as fh:
        fh.write(f'[invented_broad]\ntitle = "Invented, broad"\nsmq = "{SMQ_NAME}"\nscope = "broad"\n\n'
                 '[flimmer_and_blorp]\nhlts = ["Flimmer disorders"]\npts = ["Nonexistent blorp"]\n\n'
                 '[both]\ngroups = ["invented_broad", "paralysis"]\n')
    assert listed_cases(capsys, meddra_db, "--definitions", folder, "--event-group", "invented_broad") == BROAD
    assert listed_cases(capsys, meddra_db, "--definitions", folder, "--event-group", "flimmer_and_blorp") == {
        3, 4, 6, 7, 8}
    assert listed_cases(capsys, meddra_db, "--definitions", folder, "--event-group", "both") == BROAD
    store = Store.open(meddra_db, load_definitions(folder))
    assert "MedDRA 91.0 English" in store.definitions.event("invented_broad").title
    # without MedDRA the group answers with how to import it; every other group works as before
    code, _, err = cli(capsys, "query", "--db", plain_db, "--definitions", folder, "--event-group", "invented_broad")
    assert code == 1 and IMPORT_HINT in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, "query", "--db", plain_db, "--definitions", folder, "--event-group", "paralysis")
    assert code == 0, err


def test_screening_by_primary_soc_and_hlt(meddra_db, capsys):
    code, out, err = cli(capsys, "signals", "--db", meddra_db, "--ingredient", "zorbicillin", "--screen", "--by",
                         "soc", "--format", "json")
    assert code == 0, err
    rows = {r["soc"]: r for r in json.loads(out)["rows"]}
    # exposed: 1 Zorblat syndrome, 2 Quibble infarction, 3 Flimmer palsy, 4 Grommet ache; each PT under its primary
    # SOC only (Zorblat syndrome's secondary SOC is vascular)
    assert rows["Invented nervous disorders"]["a"] == 3 and rows["Invented vascular disorders"]["a"] == 1
    assert rows["Invented vascular disorders"]["c"] == 0  # no unexposed case has a vascular-primary PT
    assert rows["Invented nervous disorders"]["c"] == 4  # 5, 7, 8, 9 (6 maps to no PT)
    code, out, _ = cli(capsys, "signals", "--db", meddra_db, "--ingredient", "zorbicillin", "--screen", "--by",
                       "hlt", "--format", "json")
    assert {r["hlt"]: r["a"] for r in json.loads(out)["rows"]} == {"Flimmer disorders": 2, "Zorb conditions NEC": 1,
                                                                   "Quibble vascular events": 1}


def test_the_primary_soc_of_each_pt(meddra_db, capsys):
    con = duckdb.connect(str(meddra_db), read_only=True)
    socs = lookup.primary_soc(con, ["Zorblat syndrome", "QUIBBLE INFARCTION", "Not a PT"]).set_index("pt")
    assert socs.loc["Zorblat syndrome", "primary_soc"] == "Invented nervous disorders"  # not its secondary SOC
    assert socs.loc["Zorblat syndrome", "primary_hlt"] == "Zorb conditions NEC"
    assert socs.loc["Quibble infarction", "primary_soc"] == "Invented vascular disorders"
    assert len(socs) == 2
    code, out, err = cli(capsys, "query", "--db", meddra_db, "--what", "case", "--caseid", "2", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)["reactions by MedDRA 91.0 English (primary SOC)"]
    assert rows == [{"reported_term": "QUIBBLE INFARCT", "pt": "Quibble infarction", "matched_by": "older_version",
                     "primary_soc": "Invented vascular disorders"}]


# ---- versions -------------------------------------------------------------------------------------------------

def test_versions_reimport_and_make_current(meddra_db, dists, tmp_path, capsys):
    db = copy_of(meddra_db, tmp_path)
    before = sha256(db)
    s = import_distribution(dists["91.0"], db)
    assert s.action == "unchanged" and sha256(db) == before  # same files: nothing written
    code, out, err = cli(capsys, "meddra", "import", dists["90.0"], "--db", db, "--make-current", "--quiet")
    assert code == 0 and "made current" in out, err
    con = duckdb.connect(str(db), read_only=True)
    # in 90.0 the LAERS term is the PT's own name, and the non-current LLT of 91.0 was current
    assert dict(con.execute("SELECT term, pt_name FROM meddra_term_map").fetchall())["QUIBBLE INFARCT"] == \
        "Quibble infarct"
    assert con.execute("SELECT version FROM meddra_versions WHERE is_current").fetchall() == [("90.0",)]
    con.close()
    assert listed_cases(capsys, db, "--event-smq", SMQ_NAME) == NARROW
    code, out, err = cli(capsys, "meddra", "list", "smq", "--db", db, "--format", "json")
    assert code == 0 and json.loads(out)["meddra_version"] == "MedDRA 90.0 English"
    assert {r["name"]: r["is_algorithmic"] for r in json.loads(out)["rows"]}[ALGORITHMIC_SMQ] is True
    # a new load keeps MedDRA and maps the new quarter's terms with it
    s = import_distribution(dists["91.0"], db, make_current=True)
    assert s.action == "made current" and s.current == "91.0"


def _remap_quarter(folder):
    """A 2020Q2 quarter whose cases change under the map: case 12 repeats case 11's event in other words (a probable
    duplicate once both map to the same PTs), case 13 reports two terms of one PT (one PT index row once mapped),
    case 14 a non-current LLT with another drug."""
    from .helpers import dup_case, write_quarter

    drug = (("ZORBICILLIN", "PS", "ORAL"),)
    specs = [dup_case("111", "11", "20200405", pts=("Zorblat syndrome", "Flimmer palsy"), drugs=drug),
             dup_case("121", "12", "20200410", pts=("Zorblat fit", "FLIMMER  palsy"), drugs=drug),
             dup_case("131", "13", "20200415", event_dt="20200301", pts=("Zorblat syndrome", "Zorblat fit"),
                      drugs=drug),
             dup_case("141", "14", "20200420", pts=("Old zorb spell",), drugs=(("PLACEBOL", "PS", "ORAL"),))]
    rows = {"demo": [d for d, _, _ in specs], "drug": [x for _, dr, _ in specs for x in dr],
            "reac": [x for _, _, re in specs for x in re]}
    return write_quarter(folder, "2020q2", rows)


def test_the_remap_after_each_import_equals_a_full_build_under_the_new_map(dists, tmp_path):
    from .test_incremental import assert_same_store

    db = tmp_path / "r.duckdb"
    load([*write_faers(tmp_path / "src"), _remap_quarter(tmp_path / "src")], db)

    def same_as_a_rebuild(step: str) -> None:
        ref = tmp_path / f"rebuilt-{step}.duckdb"
        shutil.copyfile(db, ref)
        load([], ref, rebuild=True)
        assert_same_store(db, ref)

    touched = []
    for version, make_current in (("91.0", False), ("90.0", False), ("90.0", True), ("91.0", True)):
        s = import_distribution(dists[version], db, make_current=make_current)
        touched.append(s.touched_cases)
        same_as_a_rebuild(f"{version}-{make_current}")
        if version == "91.0":
            con = duckdb.connect(str(db), read_only=True)
            assert con.execute("SELECT caseid, duplicate_of FROM probable_duplicates").fetchall() == [(12, 11)]
            assert con.execute("SELECT count(*) FROM reaction_index WHERE caseid = 13").fetchone()[0] == 1
            con.close()
    # the first import moves the cases of the LLTs and of the term spelled apart (5, 7, 8, 12, 13, 14); the older
    # version, imported but not current, lets only the LAERS name of the renamed PT map (case 2)
    assert touched[:2] == [6, 1], touched


def test_a_load_after_the_import_maps_with_the_current_version(meddra_db, tmp_path):
    from .helpers import report, write_quarter

    db = copy_of(meddra_db, tmp_path)
    z = write_quarter(tmp_path / "src", "2021q1", {"demo": [report("991", "99", "1", "20210105")],
                                                    "reac": [{"primaryid": "991", "caseid": "99",
                                                              "pt": "OLD ZORB SPELL"}]})
    load([z], db)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT pt, pt_name FROM reactions WHERE caseid = 99").fetchall() == [
        ("OLD ZORB SPELL", "Flimmer palsy")]


# ---- without MedDRA -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ("query", "--event-smq", SMQ_NAME),
    ("query", "--event-smq", SMQ_NAME, "--scope", "broad"),
    ("query", "--event-hlt", "Flimmer disorders"),
    ("query", "--event-hlgt", "Invented neurological signs"),
    ("signals", "--ingredient", "zorbicillin", "--event-soc", "Ivasc"),
    ("signals", "--ingredient", "zorbicillin", "--screen", "--by", "soc"),
    ("signals", "--ingredient", "zorbicillin", "--screen", "--by", "hlt"),
    ("meddra", "unmapped"),
    ("meddra", "list", "smq"),
])
def test_without_meddra_every_option_says_how_to_import_it(plain_db, capsys, argv):
    code, out, err = cli(capsys, *argv, "--db", plain_db)
    assert code == 1 and IMPORT_HINT in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_without_meddra_the_model_is_as_before(plain_db, capsys):
    con = duckdb.connect(str(plain_db), read_only=True)
    assert con.execute("SELECT count(*) FROM reactions WHERE pt_key <> lower(pt)").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'meddra%'").fetchone() \
        == (0,)
    con.close()
    code, out, _ = cli(capsys, "info", "--db", plain_db)
    assert code == 0 and "MedDRA: none imported" in out
    store = Store.open(plain_db)
    from explorer.meddra.service import case_reactions, overview, version_label
    assert version_label(store) is None and overview(store) is None and case_reactions(store, 1) is None


def test_meddra_import_needs_a_store(dists, tmp_path, capsys):
    code, _, err = cli(capsys, "meddra", "import", dists["91.0"], "--db", tmp_path / "none.duckdb")
    assert code == 1 and "no database here" in err
    with pytest.raises(MeddraFileError):
        read_distribution(tmp_path / "nowhere")


# ---- the dashboard --------------------------------------------------------------------------------------------

def test_the_sidebar_picker_and_the_case_view(meddra_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("EXPLORER_DB", str(meddra_db))
    at = AppTest.from_file(str(REPO / "explorer" / "app" / "main.py"), default_timeout=60)
    # the view names MedDRA terms by code (names may hold commas)
    for k, v in {"exposure_mode": "none", "smq": "75000001", "scope": "broad", "case": "2"}.items():
        at.query_params[k] = v
    at.switch_page("views/cases.py")
    at.run()
    assert not at.exception, at.exception
    assert any(c.value.startswith(f"{len(BROAD)} cases") for c in at.caption)
    assert any("Reactions by MedDRA 91.0 English" in m.value for m in at.markdown)
    at.sidebar.radio(key="w:scope").set_value("narrow").run()
    assert not at.exception, at.exception
    assert any(c.value.startswith(f"{len(NARROW)} cases") for c in at.caption)
    assert "scope" not in at.query_params and at.query_params["smq"] == "75000001"
    at.sidebar.multiselect(key="w:soc").set_value(["70000002"]).run()  # + the vascular SOC (1, 2, 5)
    assert any(c.value.startswith(f"{len(NARROW | {1, 5})} cases") for c in at.caption)
    assert at.query_params["soc"] == "70000002"


def test_the_overview_page_lists_the_unmapped_terms(meddra_db, plain_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    for db, expected in ((meddra_db, "Nonexistent blorp"), (plain_db, None)):
        monkeypatch.setenv("EXPLORER_DB", str(db))
        at = AppTest.from_file(str(REPO / "explorer" / "app" / "main.py"), default_timeout=60)
        at.switch_page("views/overview.py")
        at.run()
        assert not at.exception, at.exception
        assert any(h.value == "MedDRA" for h in at.subheader)
        if expected:
            assert any(expected in list(df.value.get("term", [])) for df in at.dataframe)
        else:
            assert any(IMPORT_HINT in i.value for i in at.info)


def test_every_export_caption_names_the_meddra_version(meddra_db, plain_db):
    from explorer import claims
    from explorer.definitions import ingredient_exposure, single_pt
    from explorer.report import charts, evidence

    assert "Reactions coded to MedDRA 91.0 English PTs" in charts.caption("n", "q", "d", meddra="MedDRA 91.0 English")
    assert "no MedDRA version imported" in charts.caption("n", "q", "d")
    for db, words in ((meddra_db, "Reactions coded to MedDRA 91.0 English PTs"),
                      (plain_db, "Reactions as reported (no MedDRA version imported)")):
        store = Store.open(db)
        try:
            report = claims.check(store, "Flimmer palsy has been reported after zorbicillin.",
                                  exposures=[ingredient_exposure("zorbicillin")],
                                  events=[single_pt("Flimmer palsy")])
        finally:
            store.close()
        captions = [cap for _, cap, _ in evidence._charts(report)]
        assert captions and all(words in cap for cap in captions), captions


def test_an_lowest_level_term_given_as_event_selects_its_pt(meddra_db, plain_db, capsys):
    # "Zorblat fit" is an LLT of the PT "Zorblat syndrome" (cases 1 and 5 once mapped); "Old zorb spell" a
    # non-current LLT of "Flimmer palsy" (cases 3, 7 and 8)
    assert listed_cases(capsys, meddra_db, "--event", "zorblat  FIT") == {1, 5}
    assert listed_cases(capsys, meddra_db, "--event", "Old zorb spell") == {3, 7, 8}
    assert listed_cases(capsys, meddra_db, "--event", "Zorblat syndrome") == {1, 5}
    # without MedDRA the reported term is used as shipped
    assert listed_cases(capsys, plain_db, "--event", "Zorblat fit") == {5}

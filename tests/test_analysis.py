"""The query layer: definitions, options and filters against hand-computed answers and the generator's truth."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from explorer import analysis
from explorer.definitions import DefinitionError, ingredient_exposure, load_definitions, single_pt
from explorer.load import load
from explorer.quarters import expand
from explorer.selection import Filters, Selection, SelectionError
from explorer.store.reader import Store
from explorer.synth.generator import generate

from .helpers import report, write_quarter

DEFS = load_definitions()


@pytest.fixture(scope="module")
def synth_store(tmp_path_factory):
    work = tmp_path_factory.mktemp("an")
    truth = generate(work / "zips", expand("2012q3-2013q2"), scale=0.03, seed=4)
    load([work / "zips"], work / "s.duckdb")
    store = Store.open(work / "s.duckdb")
    yield truth, store
    store.close()


@pytest.mark.parametrize("option", ["esi", "esi_strict_route", "esi_any_role"])
def test_definitions_and_options_reproduce_truth(synth_store, option):
    truth, store = synth_store
    esi = DEFS.exposure("esi")
    exposure = {"esi": esi, "esi_strict_route": esi.with_options(strict_route=True),
                "esi_any_role": esi.with_options(any_role=True)}[option]
    for event in ("Spinal cord infarction", "Paraplegia", "Meningitis fungal", "Nausea", "spinal_cord_ischaemia",
                  "cns_infection", "lower_limb_neuro"):
        group = DEFS.events.get(event) or single_pt(event)
        s = analysis.signal(store, Selection(exposure=exposure, event=group))
        expected = truth["pairs"][f"{option}|{event}"]
        assert {k: s[k] for k in "abcd"} == {k: expected[k] for k in "abcd"}, (option, event)


def test_count_matches_truth(synth_store):
    truth, store = synth_store
    c = analysis.count(store, Selection())
    assert c["n_cases"] == truth["current_cases"]
    assert {str(y): n for y, n in c["by_year"].items()} == truth["cases_per_received_year"]
    exposed = analysis.count(store, Selection(exposure=DEFS.exposure("esi")))
    assert exposed["n_cases"] == truth["exposed_cases"]["esi"]


def test_planted_signals_are_found_and_null_pairs_are_not(synth_store):
    truth, store = synth_store
    esi = DEFS.exposure("esi")
    for key, pair in truth["pairs"].items():
        if not key.startswith("esi|") or pair["a"] < 3:
            continue
        group = DEFS.events.get(pair["event"]) or single_pt(pair["event"])
        s = analysis.signal(store, Selection(exposure=esi, event=group))
        if pair["planted"]:  # IC and EBGM are defined for every cell; PRR/ROR not when c = 0
            assert s["ic_signal"] and s["ebgm_signal"], (key, s["ic025"], s["eb05"])
        else:  # the conservative criteria; a single 95% interval (ROR025 > 1, IC025 > 0) flags ~2.5% of nulls
            assert not (s["ebgm_signal"] or s["evans"]), key


def test_outbreak_exclusion(synth_store):
    truth, store = synth_store
    sel = Selection(exposure=DEFS.exposure("esi"), event=DEFS.event("cns_infection"))
    with_outbreak = analysis.count(store, sel)["n_cases"]
    without = analysis.count(store, replace(sel, filters=Filters(exclude_outbreak=True)))["n_cases"]
    assert with_outbreak == truth["pairs"]["esi|cns_infection"]["a"] and without < with_outbreak / 3


def test_onset_of_planted_events_is_early(synth_store):
    _, store = synth_store
    res = analysis.time_to_onset(store, Selection(exposure=DEFS.exposure("esi"), event=DEFS.event("paralysis")))
    assert res["n"] >= 3 and res["median"] <= 3 and res["shape"] < 1.5
    assert (res["days"]["onset_days"] >= 0).all()


def test_screening_ranks_planted_events_first(synth_store):
    _, store = synth_store
    ranked = analysis.screen_events(store, Selection(exposure=DEFS.exposure("esi")), rank_by="ic025")
    top = set(ranked["pt"].head(10))
    assert {"Meningitis fungal", "Paraplegia"} <= top or {"Spinal cord infarction"} <= top
    ingredients = analysis.screen_ingredients(
        store, Selection(exposure=DEFS.exposure("esi"), event=DEFS.event("cns_infection")), rank_by="ic025")
    assert ingredients["ingredient"].iloc[0] == "methylprednisolone"


def test_comparator_changes_the_reference_group(synth_store):
    _, store = synth_store
    sel = Selection(exposure=DEFS.exposure("esi"), event=DEFS.event("paralysis"))
    everyone = analysis.signal(store, sel)
    active = analysis.signal(store, replace(sel, comparator=DEFS.exposure("esi_other_routes")))
    assert active["a"] == everyone["a"] and active["b"] == everyone["b"]
    assert active["c"] + active["d"] < everyone["c"] + everyone["d"]


# ---- hand-made fixtures: one per filter ----------------------------------------------------------------------

def _drug(pid, cid, seq, name, route, role="PS", dose=""):
    return {"primaryid": pid, "caseid": cid, "drug_seq": seq, "role_cod": role, "drugname": name, "route": route,
            "dose_vbm": dose, "prod_ai": ""}


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory):
    work = tmp_path_factory.mktemp("fx")
    demo = [
        report("11", "1", "1", "20200110", sex="F", age="30", age_cod="YR", reporter_country="US", occp_cod="MD",
               rept_cod="EXP", event_dt="20200101"),
        report("21", "2", "1", "20200210", sex="M", age="70", age_cod="YR", reporter_country="GB", occp_cod="CN",
               rept_cod="DIR", event_dt="20200201"),
        report("31", "3", "1", "20200310", sex="F", age="50", age_cod="YR", reporter_country="US", occp_cod="PH",
               rept_cod="PER", event_dt="201912"),
        report("41", "4", "1", "20200315", sex="", age="", reporter_country="US", occp_cod="MD", rept_cod="EXP"),
    ]
    drug = [
        _drug("11", "1", "1", "DEPO-MEDROL", "Epidural"),
        _drug("21", "2", "1", "KENALOG-40", "Unknown", dose="40 MG TRANSFORAMINAL"),
        _drug("31", "3", "1", "DECADRON", "Epidural", role="C"),
        _drug("41", "4", "1", "DECADRON", "Oral"),
        _drug("41", "4", "2", "XYLOCAINE", "Epidural", role="SS"),
    ]
    reac = [{"primaryid": p, "caseid": c, "pt": "Paraplegia"} for p, c in (("11", "1"), ("21", "2"), ("31", "3"))]
    outc = [{"primaryid": "11", "caseid": "1", "outc_cod": "HO"}, {"primaryid": "21", "caseid": "2", "outc_cod": "DE"}]
    ther = [{"primaryid": "11", "caseid": "1", "dsg_drug_seq": "1", "start_dt": "20191230"}]
    z = write_quarter(work, "2020q1", {"demo": demo, "drug": drug, "reac": reac, "outc": outc, "ther": ther})
    load([z], work / "f.duckdb")
    store = Store.open(work / "f.duckdb")
    yield store
    store.close()


def n_cases(store, **kw):
    filters = kw.pop("filters", Filters())
    return analysis.count(store, Selection(filters=filters, **kw))["n_cases"]


def test_exposure_definition_and_options_by_hand(fixture_store):
    esi = DEFS.exposure("esi")
    assert n_cases(fixture_store, exposure=esi) == 2  # case 1 by route, case 2 by verbatim text; case 3 is role C
    assert n_cases(fixture_store, exposure=esi.with_options(strict_route=True)) == 1
    assert n_cases(fixture_store, exposure=esi.with_options(any_role=True)) == 3
    assert n_cases(fixture_store, exposure=esi.with_options(roles=("C",))) == 1
    assert n_cases(fixture_store, exposure=ingredient_exposure("dexamethasone")) == 1  # case 4 (PS); case 3 is C
    assert n_cases(fixture_store, exposure=ingredient_exposure("dexamethasone", "Oral")) == 1
    assert n_cases(fixture_store, exposure=DEFS.exposure("epidural_non_steroid")) == 1  # xylocaine SS
    assert n_cases(fixture_store, exposure=DEFS.exposure("esi_other_routes")) == 1  # oral decadron


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), 4),
        (Filters(received_from=date(2020, 2, 1)), 3),
        (Filters(received_to=date(2020, 2, 10)), 2),
        (Filters(event_from=date(2020, 1, 15)), 1),
        (Filters(event_to=date(2019, 12, 31)), 1),
        (Filters(sexes=("F",)), 2),
        (Filters(sexes=("F", "M")), 3),
        (Filters(age_bands=("18-44",)), 1),
        (Filters(age_bands=("45-64", "65-74")), 2),
        (Filters(countries=("GB",)), 1),
        (Filters(occupations=("MD",)), 2),
        (Filters(report_types=("DIR", "PER")), 2),
        (Filters(serious_only=True), 2),
        (Filters(outcome_codes=("DE",)), 1),
    ],
)
def test_each_filter_by_hand(fixture_store, filters, expected):
    assert n_cases(fixture_store, filters=filters) == expected


def test_event_filter_and_single_pt(fixture_store):
    assert n_cases(fixture_store, event=single_pt("PARAPLEGIA")) == 3  # case-insensitive
    assert n_cases(fixture_store, event=DEFS.event("paralysis"), exposure=DEFS.exposure("esi")) == 2


def test_listing_case_and_onset(fixture_store):
    esi = DEFS.exposure("esi")
    page, total = analysis.listing(fixture_store, Selection(exposure=esi), sort="age_years", descending=True, limit=1)
    assert total == 2 and list(page["caseid"]) == [2]
    page, _ = analysis.listing(fixture_store, Selection(exposure=esi), sort="age_years", descending=False, limit=5)
    assert list(page["caseid"]) == [1, 2] and "DEPO-MEDROL (Epidural)" in page["exposure_drugs"].iloc[0]
    parts = analysis.case(fixture_store, "4")
    assert list(parts["drugs"]["drugname"]) == ["DECADRON", "XYLOCAINE"]
    assert list(parts["versions"]["primaryid"]) == ["41"]
    onset = analysis.time_to_onset(fixture_store, Selection(exposure=esi, event=single_pt("Paraplegia")))
    assert onset["n"] == 1 and onset["median"] == 2.0  # 2019-12-30 -> 2020-01-01


def test_bad_definitions_and_filters(tmp_path):
    with pytest.raises(DefinitionError, match="unknown exposure 'nope'"):
        DEFS.exposure("nope")
    (tmp_path / "x.toml").write_text("[broken\n")
    with pytest.raises(DefinitionError, match="does not parse as TOML"):
        load_definitions(tmp_path)
    with pytest.raises(SelectionError, match="adjacent"):
        from explorer.selection import _age_range

        _age_range(("0-17", "65-74"), DEFS)


def misscored_pairs(con) -> tuple[int, int, int]:
    """(pairs whose signal_pairs row does not hold their own 2x2, pairs counted again here, rows of signal_pairs)."""
    return con.execute("""
        WITH di AS (SELECT DISTINCT caseid, ingredient FROM drug_ingredients WHERE role_cod IN ('PS', 'SS')),
             pairs AS (SELECT di.ingredient, r.pt_key, count(*) AS a FROM di JOIN reaction_index r USING (caseid)
                       GROUP BY ALL),
             ni AS (SELECT ingredient, count(*) AS n FROM di GROUP BY ALL),
             np AS (SELECT pt_key, count(DISTINCT caseid) AS n FROM reaction_index GROUP BY ALL)
        SELECT count(*) FILTER (WHERE s.a IS DISTINCT FROM p.a OR s.a + s.b IS DISTINCT FROM ni.n
                                      OR s.a + s.c IS DISTINCT FROM np.n),
               count(*), (SELECT count(*) FROM signal_pairs)
        FROM pairs p JOIN ni USING (ingredient) JOIN np USING (pt_key)
        LEFT JOIN signal_pairs s USING (ingredient, pt_key)""").fetchone()


def test_every_scored_pair_carries_its_own_cells(synth_store):
    """signal_pairs: each ingredient-PT row holds the 2x2 of that pair, counted again here from the model."""
    wrong, counted, stored = misscored_pairs(synth_store[1].con)
    assert wrong == 0 and counted == stored > 1000


def test_scored_pairs_stay_aligned_past_one_row_group(tmp_path):
    """More pairs than one DuckDB row group (122,880): keys and cells were once read by two scans whose orders
    differed after the load's writes, so pairs got other pairs' counts. 157,000 pairs here."""
    generate(tmp_path / "z", expand("2024q1-2025q4"), scale=0.03, seed=3)
    load([tmp_path / "z"], tmp_path / "d.duckdb")
    store = Store.open(tmp_path / "d.duckdb")
    try:
        wrong, counted, stored = misscored_pairs(store.con)
    finally:
        store.close()
    assert wrong == 0 and counted == stored > 122_880


def test_scoring_keeps_keys_and_cells_together_on_a_large_pair_table():
    """Keys and cells of pair_counts are read together: two scans need not return rows in the same order."""
    import duckdb

    from explorer.scoring import score_pairs

    con = duckdb.connect()
    con.execute("SET threads = 4")
    con.execute("""CREATE TEMP TABLE pair_counts AS
        SELECT 'i' || (r % 997) AS ingredient, 'p' || (r // 997) AS pt_key, any_value(1 + r % 13) AS a,
               any_value(20 + r % 997) AS n_ingredient, any_value(30 + r // 997) AS n_pt, 10000000 AS n
        FROM range(600000) t(r) GROUP BY ALL""")
    con.execute("CREATE TABLE pt_vocab AS SELECT DISTINCT pt_key, pt_key AS pt_name, 1 AS n_cases FROM pair_counts")
    score_pairs(con, stratified=False)  # no case tables here to stratify by
    wrong = con.execute("""SELECT count(*) FROM signal_pairs s JOIN pair_counts p USING (ingredient, pt_key)
                           WHERE s.a <> p.a OR s.b <> p.n_ingredient - p.a OR s.c <> p.n_pt - p.a""").fetchone()[0]
    assert wrong == 0 and con.execute("SELECT count(*) FROM signal_pairs").fetchone()[0] == 600000


def test_excluding_probable_duplicates_leaves_each_group_its_first_case(synth_store):
    truth, store = synth_store
    flagged = store.con.execute("SELECT count(*) FROM probable_duplicates").fetchone()[0]
    assert flagged >= len(truth["probable_duplicates"]["pairs"]) > 0
    every = analysis.count(store, Selection())
    kept = analysis.count(store, Selection(filters=Filters(exclude_probable_duplicates=True)))
    assert every["n_probable_duplicates"] == flagged
    assert (every["n_cases"] - kept["n_cases"], kept["n_probable_duplicates"]) == (flagged, 0)
    nausea = Selection(event=single_pt("Nausea"))  # through the selection's case sets, not the population alone
    with_all = analysis.count(store, nausea)
    without = analysis.count(store, replace(nausea, filters=Filters(exclude_probable_duplicates=True)))
    assert with_all["n_cases"] - without["n_cases"] == with_all["n_probable_duplicates"] > 0

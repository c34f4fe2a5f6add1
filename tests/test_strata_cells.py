"""The stratified 2x2 (signal_strata.sql) against a case-by-case count of the population, on the demo database.

The query reads the selection's own cases and the population's counts by stratum kept per filter set; the
reference here walks every case of the population with its exposure, event, comparator and masking flags.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from explorer import analysis
from explorer.selection import Filters, Selection
from explorer.store.reader import Store

KEYS = ["age_band", "sex", "year", "period"]


@pytest.fixture(scope="module")
def store(demo_db):
    s = Store.open(demo_db)
    yield s
    s.close()


def _band(age: float, bands: dict[str, tuple[float, float]]) -> str:
    if age is None or np.isnan(age):
        return "unknown"
    return next((label for label, (lo, hi) in bands.items() if lo <= age < hi), "unknown")


def _reference(store: Store, strata: list[str], period: str, exclude: analysis.Background | None) -> pd.DataFrame:
    """Every case of the bound population with its keys and flags, counted with pandas."""
    con = store.con
    pop = con.execute("SELECT caseid, age_years, sex, received_year, received_date FROM population()").df()
    ids = {name: set(con.execute(f"SELECT caseid FROM {name}").df()["caseid"])
           for name in ("_exposed", "_event", "_comparator")}
    masked = set()
    if exclude is not None:
        masked = set(con.execute("SELECT caseid FROM masked_cases($i, $p)",
                                 {"i": list(exclude.ingredients), "p": list(exclude.pts)}).df()["caseid"])
    has_comparator = bool(con.execute("SELECT getvariable('f_has_comparator')").fetchone()[0])
    bands = store.definitions.settings.age_bands
    x = pop["caseid"].isin(ids["_exposed"])
    v = pop["caseid"].isin(ids["_event"])
    r = (pop["caseid"].isin(ids["_comparator"]) if has_comparator else True) & ~pop["caseid"].isin(masked)
    dates = pd.to_datetime(pop["received_date"])
    frame = pd.DataFrame({
        "age_band": [_band(a, bands) for a in pop["age_years"]] if "age_band" in strata else None,
        "sex": pop["sex"].fillna("unknown") if "sex" in strata else None,
        "year": pop["received_year"].map(lambda y: "unknown" if pd.isna(y) else str(int(y)))
        if "year" in strata else None,
        "period": (dates.dt.year.astype("Int64").astype(str) if period == "year"
                   else dates.dt.year.astype("Int64").astype(str) + "Q" + dates.dt.quarter.astype("Int64").astype(str)
                   if period == "quarter" else None),
        "a": x & v, "b": x & ~v, "c": ~x & r & v, "d": ~x & r & ~v,
    })
    if period:
        frame.loc[dates.isna(), "period"] = None
    out = frame.groupby(KEYS, dropna=False)[["a", "b", "c", "d"]].sum().reset_index()
    out = out[out[["a", "b", "c", "d"]].sum(axis=1) > 0]
    return _normal(out)


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for key in KEYS:
        frame[key] = frame[key].map(lambda s: None if s is None or (isinstance(s, float) and np.isnan(s)) else str(s))
    frame = frame.sort_values(KEYS, na_position="last", key=lambda s: s.fillna("~")).reset_index(drop=True)
    return frame[KEYS + ["a", "b", "c", "d"]].astype({k: "int64" for k in "abcd"})


SELECTIONS = {
    "esi, every case": lambda d: Selection(exposure=d.exposure("esi"), event=d.event("spinal_cord_ischaemia")),
    "esi, serious women": lambda d: Selection(exposure=d.exposure("esi"), event=d.event("spinal_cord_ischaemia"),
                                              filters=Filters(serious_only=True, sexes=("F",))),
    "esi against a comparator": lambda d: Selection(exposure=d.exposure("esi"), event=d.event("cns_infection"),
                                                    comparator=d.exposure("esi_other_routes")),
}
# every selection with every stratification, period and masking at least once (not all combinations: each case
# walks the whole demo population in pandas)
CASES = [(name, strata, period, masking)
         for i, (name, (strata, period), masking) in enumerate(itertools.product(
             SELECTIONS, [(["age_band"], ""), (["sex", "year"], ""), (["age_band", "sex", "year"], ""),
                          ([], "quarter"), (["age_band"], "year")], [None, "methylprednisolone", "Nausea"]))
         if masking is None or i % 5 == 1]


@pytest.mark.parametrize("name, strata, period, masking", CASES)
def test_stratified_cells_equal_a_case_by_case_count(store, name, strata, period, masking):
    selection = SELECTIONS[name](store.definitions)
    exclude = analysis.background_exclusion(store, masking) if masking else None
    analysis.bind(store.con, selection, store.definitions)
    got = _normal(analysis._strata_cells(store, strata, period, exclude))
    assert got.equals(_reference(store, strata, period, exclude))
    assert got[["a", "b", "c", "d"]].to_numpy().sum() > 0


def test_population_counts_are_kept_across_selections_and_renewed_with_the_filters(store):
    d = store.definitions
    first = Selection(exposure=d.exposure("esi"), event=d.event("spinal_cord_ischaemia"))
    analysis.signal(store, first, stratify=("sex",))
    kept = store.con.execute("SELECT getvariable('f_strata_key')").fetchone()[0]
    analysis.signal(store, replace(first, event=d.event("cns_infection")), stratify=("sex",))
    assert store.con.execute("SELECT getvariable('f_strata_key')").fetchone()[0] == kept  # same population
    serious = replace(first, filters=Filters(serious_only=True))
    got = analysis.signal(store, serious, stratify=("sex",))
    assert store.con.execute("SELECT getvariable('f_strata_key')").fetchone()[0] != kept
    crude = analysis.signal(store, serious)
    assert [got[k] for k in "abcd"] == [crude[k] for k in "abcd"]  # the strata sum to the crude 2x2


@pytest.mark.parametrize("strata", [["age_band", "sex", "year"], ["sex"], ["year", "age_band"]])
def test_unfiltered_stratified_screening_from_the_kept_counts_equals_the_case_by_case_query(store, strata):
    analysis.bind(store.con, Selection(exposure=store.definitions.exposure("esi")), store.definitions)
    analysis.ensure_population_strata(store.con)
    assert store.strata_kept()
    kept = store.run("screen_events_strata_whole", strata=strata)
    walked = store.run("screen_events_strata", strata=strata, mask_ings=[], mask_pts=[])
    assert len(kept) > 100 and kept.equals(walked)


def test_kept_strata_are_not_used_with_other_age_bands(demo_db):
    from explorer.definitions import load_definitions

    defs = load_definitions()
    other = replace(defs, settings=replace(defs.settings, age_bands={"0-49": (0.0, 50.0), "50+": (50.0, 200.0)}))
    s = Store.open(demo_db, other)
    ran = []
    run = s.run
    s.run = lambda name, *args, **kw: ran.append((name, run(name, *args, **kw))) or ran[-1][1]  # type: ignore
    try:
        assert not s.strata_kept()
        table = analysis.screen_events(s, Selection(exposure=other.exposure("esi")), stratify=("age_band",))
        assert table.attrs["strata"] == ["age_band"] and len(table) > 100
        cells = dict(ran)["screen_events_strata"]  # the case-by-case query, with these bands
        assert set(cells["age_band"]) == {"0-49", "50+", "unknown"}
        assert "screen_events_strata_whole" not in dict(ran)
    finally:
        s.close()


@pytest.mark.parametrize("name", list(SELECTIONS))
@pytest.mark.parametrize("strata", [["age_band", "sex", "year"], ["sex"]])
def test_every_groups_cells_in_one_pass_equal_one_bind_per_group(store, name, strata):
    d = store.definitions
    base = replace(SELECTIONS[name](d), event=None)
    analysis.bind(store.con, base, d)
    analysis.ensure_population_strata(store.con)
    sets = store.run("signal_strata_sets", set_names=list(d.events),
                     set_pts=[[p.lower() for p in e.pts] for e in d.events.values()], strata=strata)
    reported = 0
    for group, event in d.events.items():
        analysis.bind(store.con, replace(base, event=event), d)
        one = _normal(analysis._strata_cells(store, strata, "", None))
        mine = sets[sets["name"] == group].drop(columns="name").assign(period=None)
        assert _normal(mine).equals(one), group
        reported += int(one["a"].sum() > 0)
    assert reported >= 3


@pytest.mark.parametrize("bands, problem", [
    ("".join(f'"b{i}" = [{i * 10}, {i * 10 + 10}]\n' for i in range(13)), "at most 12"),
    ('"young" = [0, 50]\n"old" = [40, 200]\n', "do not overlap"),
    ('"none" = [30, 30]\n', "do not overlap"),
])
def test_age_bands_the_age_band_macro_cannot_hold_are_refused(tmp_path, bands, problem):
    import re
    import shutil

    from explorer.constants import MAX_AGE_BANDS, SQL_DIR
    from explorer.definitions import DefinitionError, load_definitions

    folder = tmp_path / "definitions"
    shutil.copytree(SQL_DIR / "definitions", folder)
    filters = (folder / "filters.toml").read_text()
    head, rest = filters.split("[age_bands]\n", 1)
    tail = rest[rest.index("\n["):]  # the next table
    (folder / "filters.toml").write_text(f"{head}[age_bands]\n{bands}{tail}")
    with pytest.raises(DefinitionError, match=problem):
        load_definitions(folder)
    # the macro has one arm per band it can hold
    macro = (SQL_DIR / "macros" / "selection.sql").read_text()
    assert len(re.findall(r"WHEN age >= getvariable\('f_band_los'\)\[(\d+)\]", macro)) == MAX_AGE_BANDS


def test_counts_by_stratum_of_another_population_are_refused(store):
    d = store.definitions
    sel = Selection(exposure=d.exposure("esi"), event=d.event("spinal_cord_ischaemia"))
    analysis.signal(store, sel, stratify=("sex",))  # counts the unfiltered population by stratum
    analysis.bind(store.con, replace(sel, filters=Filters(serious_only=True)), d)
    with pytest.raises(Exception, match="ensure_population_strata"):
        store.run("signal_strata", strata=["sex"], period="", mask_ings=[], mask_pts=[])


# ---- each PT's count in a filtered population: from the kept counts by stratum and seriousness, or case by case --

def _pop_pt(store: Store, kept: bool) -> pd.Series:
    analysis.ensure_population_pts(store.con, kept=kept)
    frame = store.con.execute("SELECT pt_key, n FROM _pop_pt").df()
    store.con.execute("SET VARIABLE f_pop_pt_key = NULL")  # counted afresh the other way next
    return frame.set_index("pt_key")["n"].sort_index()


def test_whole_strata_filters_are_answered_from_the_kept_counts():
    from datetime import date

    from explorer.selection import kept_strata_answer

    assert kept_strata_answer(Filters(serious_only=True, sexes=("F",), age_bands=("18-44", "45-64")))
    assert kept_strata_answer(Filters(received_from=date(2010, 1, 1), received_to=date(2019, 12, 31)))
    assert not kept_strata_answer(Filters(received_from=date(2010, 2, 1)))  # a year cut in two
    assert not kept_strata_answer(Filters(received_to=date(2019, 12, 30)))
    assert not kept_strata_answer(Filters(serious_only=True, countries=("US",)))  # not a stratum
    assert not kept_strata_answer(Filters(exclude_probable_duplicates=True))


def test_each_pts_count_from_the_kept_counts_equals_the_case_by_case_count(store):
    from datetime import date

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from explorer.selection import kept_strata_answer

    d = store.definitions
    bands = list(d.settings.age_bands)
    assert store.serious_strata_kept()

    @st.composite
    def whole_strata_filters(draw) -> Filters:
        lo = draw(st.integers(0, len(bands)))
        hi = draw(st.integers(lo, len(bands)))
        first = draw(st.none() | st.integers(2003, 2026))
        last = draw(st.none() | st.integers(first or 2003, 2026))
        return Filters(sexes=tuple(draw(st.sampled_from([(), ("F",), ("M",), ("F", "M")]))),
                       age_bands=tuple(bands[lo:hi]), serious_only=draw(st.booleans()),
                       received_from=date(first, 1, 1) if first else None,
                       received_to=date(last, 12, 31) if last else None)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(whole_strata_filters())
    def check(filters: Filters) -> None:
        assert kept_strata_answer(filters)
        analysis.bind(store.con, Selection(exposure=d.exposure("esi"), filters=filters), d)
        kept, walked = _pop_pt(store, kept=True), _pop_pt(store, kept=False)
        pd.testing.assert_series_equal(kept, walked, check_dtype=False)

    check()


def test_screening_with_whole_strata_filters_equals_the_case_by_case_screening(store, monkeypatch):
    from datetime import date

    d = store.definitions
    sel = Selection(exposure=d.exposure("esi"),
                    filters=Filters(serious_only=True, sexes=("F",), received_from=date(2008, 1, 1)))
    kept = analysis.screen_events(store, sel)
    store.con.execute("SET VARIABLE f_pop_pt_key = NULL")
    monkeypatch.setattr(Store, "serious_strata_kept", lambda self: False)
    walked = analysis.screen_events(store, sel)
    assert len(kept) > 20
    pd.testing.assert_frame_equal(kept, walked)


def test_cases_per_pt_of_another_population_are_refused(store, demo_db):
    d = store.definitions
    fresh = Store.open(demo_db)  # a connection that never counted them
    try:
        analysis.bind(fresh.con, Selection(exposure=d.exposure("esi"), filters=Filters(serious_only=True)), d)
        with pytest.raises(Exception, match="ensure_exposed_pts"):
            fresh.run("screen_events")
        analysis.ensure_exposed_pts(fresh.con)
        with pytest.raises(Exception, match="ensure_population_count"):
            fresh.run("screen_events")
        analysis.ensure_population_count(fresh.con)
        with pytest.raises(Exception, match="ensure_population_pts"):
            fresh.run("screen_events")
        analysis.ensure_population_strata(fresh.con)
        fresh.con.execute("SET VARIABLE f_strata_key = NULL")
        with pytest.raises(Exception, match="ensure_population_strata"):
            fresh.run("signal_strata", strata=["sex"], period="", mask_ings=[], mask_pts=[])
    finally:
        fresh.close()
    analysis.screen_events(store, Selection(exposure=d.exposure("esi"), filters=Filters(serious_only=True)))
    analysis.bind(store.con, Selection(exposure=d.exposure("esi"), filters=Filters(sexes=("F",))), d)
    with pytest.raises(Exception, match="ensure_population_count"):
        store.run("screen_events")
    analysis.ensure_population_count(store.con)
    with pytest.raises(Exception, match="ensure_population_pts"):
        store.run("screen_events")
    other = sorted(n for n, e in d.exposures.items() if n != "esi")[0]
    analysis.bind(store.con, Selection(exposure=d.exposure(other)), d)  # the kept PT rows are another exposure's
    analysis.ensure_population_count(store.con)
    with pytest.raises(Exception, match="ensure_exposed_pts"):
        store.run("screen_events")


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_every_groups_crude_cells_from_the_kept_event_cases_equal_one_bind_per_group(store, name):
    d = store.definitions
    base = replace(SELECTIONS[name](d), event=None)
    sets = [e.pts for e in d.events.values()]
    for filters in (base.filters, Filters(serious_only=True)):  # the events' cases are kept across the change
        sel = replace(base, filters=filters)
        analysis.bind(store.con, sel, d)
        got = analysis._event_set_cells(store, sets)
        for row, event in zip(got.itertuples(), d.events.values(), strict=True):
            one = analysis.signal(store, replace(sel, event=event))
            assert (row.a, row.b, row.c, row.d) == tuple(one[k] for k in "abcd"), (name, event.name)


def test_cases_of_other_events_are_refused(store):
    d = store.definitions
    analysis.bind(store.con, Selection(exposure=d.exposure("esi")), d)
    analysis._event_set_cells(store, [("Paraplegia",)])
    with pytest.raises(Exception, match="ensure_set_hits"):
        store.run("signal_cells_sets", set_names=["0"], set_key="another key")

"""The review panels of issue 15 on the dashboard (AppTest, demo data) and their charts."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from explorer import analysis
from explorer.report import method_charts
from explorer.selection import Selection
from explorer.store.reader import Store

from .conftest import REPO

MAIN = str(REPO / "explorer" / "app" / "main.py")


def _page(monkeypatch, db, page: str, **params) -> AppTest:
    monkeypatch.setenv("EXPLORER_DB", str(db))
    at = AppTest.from_file(MAIN, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_signals_page_shows_crude_beside_adjusted_and_the_series(demo_db, monkeypatch):
    at = _page(monkeypatch, demo_db, "signals", exposure="esi", event_group="spinal_cord_ischaemia",
               review="1")  # the panels are drawn on request (issue 13: a filter change does not wait for them)
    assert any("Mantel-Haenszel" in c.value for c in at.caption)
    assert any("timeline.toml" in c.value for c in at.caption)
    tables = [d.value for d in at.dataframe]
    assert any({"crude", "adjusted"} <= set(t.columns) for t in tables)
    assert any("period" in t.columns for t in tables)
    at.selectbox(key="sp-mask").set_value("cns_infection").run()
    assert not at.exception
    assert any("measure" in d.value.columns and "change" in d.value.columns for d in at.dataframe)


def test_onset_page_compares_with_other_events(demo_db, monkeypatch):
    at = _page(monkeypatch, demo_db, "onset", exposure="esi", event_group="paralysis", compare="1")
    assert any("test" in d.value.columns for d in at.dataframe)


def test_over_time_chart_marks_the_timeline(demo_db):
    store = Store.open(demo_db)
    try:
        d = store.definitions
        sel = Selection(exposure=d.exposure("esi"), event=d.event("spinal_cord_ischaemia"))
        frame = analysis.over_time(store, sel, "quarter", cumulative=True)
        fig = method_charts.over_time(frame, analysis.timeline_events(store), "caption", True, "ror", True)
        shapes = fig.layout.shapes
        assert any(s.type == "rect" for s in shapes) and any(s.type == "line" and s.x0 == s.x1 for s in shapes)
        assert "synthetic" in fig.layout.title.text
        texts = " ".join(a.text for a in fig.layout.annotations)
        assert "Drug Safety Communication" in texts and "NECC" in texts
    finally:
        store.close()


def test_stratified_screening_keeps_the_crude_2x2_where_strata_are_sparse(demo_db):
    """On the demo data most PTs have cases in few of the ~400 strata: the crude cells of the stratified screening
    must still be those of the unstratified queries, for every PT and every ingredient."""
    from explorer.definitions import single_pt

    store = Store.open(demo_db)
    try:
        esi = Selection(exposure=store.definitions.exposure("esi"))
        strat = analysis.screen_events(store, esi, stratify=analysis.STRATA)
        plain = analysis.screen_events(store, esi)
        crude = plain[~plain["pt_key"].str.startswith("group:")].set_index("pt_key")[["a", "b", "c", "d"]]
        pts = strat[~strat["pt_key"].str.startswith("group:")].set_index("pt_key")[["a", "b", "c", "d"]]
        assert len(pts) == len(crude) > 100
        assert (pts.loc[crude.index].to_numpy() == crude.to_numpy()).all()
        assert (strat["expected_stratified"] > 0).all()
        event = Selection(event=single_pt("Paraplegia"))
        strat_i = analysis.screen_ingredients(store, event, stratify=analysis.STRATA).set_index("ingredient")
        crude_i = store.run("screen_ingredients", event).set_index("ingredient")[["a", "b", "c", "d"]]
        assert (strat_i.loc[crude_i.index, ["a", "b", "c", "d"]].to_numpy() == crude_i.to_numpy()).all()
    finally:
        store.close()

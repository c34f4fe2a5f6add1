"""Signals: the labelled 2x2 with margins and every measure with its interval level, a forest plot over the group's
PTs, and whole-database screening."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from explorer import analysis
from explorer.app import cached, downloads, fmt, page, signal_panels, state
from explorer.app.signal_tables import cautions, cells_table, export_row, measures_table
from explorer.report import charts

VIEWS = {"pair": "This pair", "forest": "Forest plot", "screen": "Screening"}


def pair(p: page.Page, sel, reference: str) -> None:
    r = cached.call(analysis.signal, p.store, sel, spinner="Computing…")
    st.table(cells_table(r, sel.exposure.title, sel.event.title, reference))
    st.caption("a: exposed cases with the event · b: exposed cases without it · c: reference cases with the event · "
               "d: reference cases without it. Counts are distinct current cases, not rates.")
    for text in cautions(r):
        st.warning(text, icon="⚠️")
    st.dataframe(measures_table(r), hide_index=True, width="stretch")
    flags = {"Evans (PRR ≥ 2, χ² ≥ 4, a ≥ 3)": r["evans"], "ROR lower 95% bound > 1": r["ror_signal"],
             "IC025 > 0": r["ic_signal"], "EB05 ≥ 2": r.get("ebgm_signal")}
    st.write("Signal criteria met: " + " · ".join(f"{k}: **{'yes' if v else 'no'}**" for k, v in flags.items()))
    note = p.store.prior_note()
    if note:
        st.caption(note)
    downloads.table(export_row(r, sel), "disproportionality", p.caption(), p.synthetic, "measures")


def forest_tables(store, sel) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The forest plot's rows, its table for export (each interval's ends in columns named with its level) and that
    table rounded for the page: made once per selection, not on every rerun."""
    fr = analysis.forest(store, sel)
    table = fr.drop(columns=[c for c in fr.columns if c.endswith("_ci")])
    for name in ("prr", "ror"):
        table.insert(table.columns.get_loc(name) + 1, f"{name}_lower_95", fr[f"{name}_ci"].map(lambda ci: ci[0]))
        table.insert(table.columns.get_loc(name) + 2, f"{name}_upper_95", fr[f"{name}_ci"].map(lambda ci: ci[1]))
    table = table.rename(columns={"ic025": "ic025_95", "ic975": "ic975_95", "eb05": "eb05_90", "eb95": "eb95_90"})
    table = table.apply(lambda col: pd.to_numeric(col) if col.name not in ("pt",) and col.dtype == object else col)
    return fr, table, fmt.rounded(table)


def forest(p: page.Page, sel) -> None:
    if sel.event is None or len(sel.event.pts) < 2:
        st.info("A forest plot needs an event group (several PTs): choose one in the sidebar.")
        return
    fr, table, shown = cached.call(forest_tables, p.store, sel)
    measures = ["ror", "prr"]
    v = p.view
    measure = st.radio("Measure", measures, horizontal=True, format_func=str.upper,
                       **state.seed("measure", v["measure"] if v["measure"] in measures else "ror", measures, "index"))
    v["measure"] = measure
    cap = p.caption()
    if fr[measure].notna().any():
        fig = cached.chart("forest", p.store, sel, (cap, p.synthetic, measure),
                           lambda: charts.forest(fr, cap, p.synthetic, measure))
        st.plotly_chart(fig, width="stretch", key="chart-forest")
        downloads.chart(fig, "forest plot", "forest")
    else:
        st.info("No PT of the group has a defined measure (every one has a zero cell).")
    st.dataframe(shown, hide_index=True, width="stretch")
    downloads.table(table, "forest plot table", cap, p.synthetic, "forest-table")


RANK_LABELS = {"eb05": "EB05 (90% lower bound of EBGM)", "ic025": "IC025 (95% lower bound)",
               "ror_lower": "ROR lower 95% bound", "prr": "PRR", "q_chi2": "Benjamini-Hochberg q (chi-square test)",
               "eb05_stratified": "EB05, stratified expected count",
               "ror_mh_lower": "Mantel-Haenszel ROR lower 95% bound"}


def screen_tables(store, sel, rank: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every PT's and event group's screening row, its columns named with their interval levels, as exported and
    rounded for the page: made once per selection and ranking; a rerun only picks the rows to show."""
    table = analysis.screen_events(store, sel, rank)
    cols = [c for c in ("pt", "a", "b", "c", "d", "expected", "prr", "prr_lower", "prr_upper", "ror", "ror_lower",
                        "ror_upper", "ic", "ic025", "ic975", "ebgm", "eb05", "eb95") if c in table.columns]
    full = table[cols].rename(columns={"prr_lower": "prr_lower_95", "prr_upper": "prr_upper_95",
                                       "ror_lower": "ror_lower_95", "ror_upper": "ror_upper_95",
                                       "ic025": "ic025_95", "ic975": "ic975_95", "eb05": "eb05_90",
                                       "eb95": "eb95_90"})
    return full, fmt.rounded(full)


def screen(p: page.Page, sel) -> None:
    if sel.exposure is None:
        st.info("Choose an exposure to screen its events.")
        return
    v = p.view
    c1, c2, c3 = st.columns(3)
    ranks = list(analysis.RANKINGS)
    rank = c1.selectbox("Rank by", ranks, **state.seed("rank", v["rank"] if v["rank"] in ranks else "eb05", ranks,
                                                       "index"),
                        format_func=lambda k: RANK_LABELS.get(k, k))
    min_a = c2.number_input("At least this many cases (a)", 1, 1000,
                            **state.seed("min_a", min(max(int(v["min_a"]), 1), 1000)))
    search = c3.text_input("Search PTs", **state.seed("search", v["search"]))
    v.update(rank=rank, min_a=int(min_a), search=search)
    full, rounded = cached.call(screen_tables, p.store, replace(sel, event=None), rank,
                                spinner="Screening every PT…")
    if full.empty:
        st.info("No PT is reported with this exposure in the selection.")
        return
    keep = full["a"] >= min_a
    if search:
        keep &= full["pt"].str.contains(search, case=False, na=False, regex=False)
    shown = full[keep]
    st.caption(f"{len(shown):,} rows: every PT and event group reported with the exposure ([group] rows are the "
               "defined event groups). Interval levels are in the column names: _95 is a 95% interval, _90 a 90% "
               "one (EB05–EB95).")
    st.dataframe(rounded[keep], hide_index=True, width="stretch")
    downloads.table(shown, "screening", p.caption(), p.synthetic, "screen")


def body(p: page.Page) -> None:
    sel, v, defs = p.sel, p.view, p.store.definitions
    st.caption("Disproportionality is hypothesis-generating: it says a pair is reported more often than expected "
               "among spontaneous reports, not that the drug causes the event, nor how often it happens.")
    if p.missing:
        st.info(f"To compute a signal, {p.missing}.")
        return
    names = ["", *sorted(n for n in defs.exposures if sel.exposure is None or n != v["exposure"])]
    comp = st.selectbox("Reference group (comparator)", names,
                        **state.seed("comparator", v["comparator"] if v["comparator"] in names else "", names,
                                     "index"),
                        format_func=lambda n: defs.exposures[n].title if n else "All other cases in the database")
    if comp != v["comparator"]:
        v["comparator"] = comp
    sel = replace(sel, comparator=defs.exposure(comp) if comp else None)
    p.selection = sel
    reference = sel.comparator.title if sel.comparator else "all other cases"
    view = st.radio("View", list(VIEWS), horizontal=True, format_func=VIEWS.get, label_visibility="collapsed",
                    **state.seed("tab", v["tab"] if v["tab"] in VIEWS else "pair", list(VIEWS), "index"))
    v["tab"] = view
    if view == "pair":
        if sel.event is None:
            st.info("Choose an event group or PTs in the sidebar.")
        else:
            pair(p, sel, reference)
    elif view == "forest":
        forest(p, sel)
    else:
        screen(p, sel)
    # issue 15's review panels (crude beside adjusted, over time, unmasking) compute on every rerun, expanded or not:
    # drawn on request, so a filter change does not wait for them
    v["review"] = st.toggle("Review methods: stratified measures, over time, unmasking",
                            **state.seed("review", v["review"]))
    if v["review"]:
        signal_panels.signals_page(p.store, sel)  # issue 15: crude beside adjusted, over time, unmasking


page.run("signals", "Signals", body)

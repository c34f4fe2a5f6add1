"""Signals: the 2x2 and every measure, a forest plot over the group's PTs, and whole-database screening."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from explorer import analysis
from explorer.app import common
from explorer.report import charts

s = common.store()
st.title("Signals")
synthetic = common.banner(s)
sel = common.sidebar_selection(s)
st.caption("Disproportionality is hypothesis-generating: it says a pair is reported more often than expected among "
           "spontaneous reports, not that the drug causes the event, nor how often it happens.")
comparators = ["(all other cases)", *sorted(n for n in s.definitions.exposures if sel.exposure is None or
                                            n != sel.exposure.name)]
comp = st.selectbox("Comparator", comparators, key="comparator")
if comp != comparators[0]:
    sel = replace(sel, comparator=s.definitions.exposure(comp))
cap = common.caption_for(s, sel, synthetic)
tab1, tab2, tab3 = st.tabs(["This pair", "Forest plot", "Screening"])
with tab1:
    if sel.event is None:
        st.info("Choose an event group or PTs in the sidebar.")
    else:
        with st.spinner("Computing…"):
            r = analysis.signal(s, sel)
        cells = pd.DataFrame({"": ["Exposed", "Reference"], "with event": [r["a"], r["c"]],
                              "without event": [r["b"], r["d"]]})
        st.table(cells)
        rows = [
            ("Expected a", r["expected"], None, None),
            ("PRR", r["prr"], *r["prr_ci"]), ("ROR", r["ror"], *r["ror_ci"]),
            ("IC", r["ic"], r["ic025"], r["ic975"]), ("EBGM", r.get("ebgm"), r.get("eb05"), r.get("eb95")),
        ]
        measures = pd.DataFrame(rows, columns=["measure", "estimate", "lower", "upper"])
        st.dataframe(measures, hide_index=True)
        flags = {"Evans (PRR)": r["evans"], "ROR lower > 1": r["ror_signal"], "IC025 > 0": r["ic_signal"],
                 "EB05 ≥ 2": r.get("ebgm_signal")}
        st.write(" · ".join(f"{k}: **{'yes' if v else 'no'}**" for k, v in flags.items()))
        prior_note = s.prior_note()
        if prior_note:
            st.caption(prior_note)
        common.table_downloads(measures, "disproportionality", cap, synthetic, "measures")
with tab2:
    if sel.event is None or len(sel.event.pts) < 2:
        st.info("A forest plot needs an event group (several PTs).")
    else:
        fr = analysis.forest(s, sel)
        measure = st.radio("Measure", ["ror", "prr"], horizontal=True, key="forest-measure")
        if fr[measure].notna().any():
            fig = charts.forest(fr, cap, synthetic, measure)
            st.plotly_chart(fig, width="stretch", key="chart-forest")
            common.chart_downloads(fig, "forest plot", "forest")
        else:
            st.info("No PT of the group has a defined measure (every one has a zero cell).")
        show = fr.drop(columns=[c for c in fr.columns if c.endswith("_ci")])
        st.dataframe(show, hide_index=True)
with tab3:
    rank = st.selectbox("Rank by", ["eb05", "ic025", "ror_lower", "prr"], key="rank")
    min_a = st.number_input("At least this many cases", 1, 1000, 3, key="min-a")
    if sel.exposure is None:
        st.info("Choose an exposure to screen its events.")
    else:
        with st.spinner("Screening every PT…"):
            table = analysis.screen_events(s, replace(sel, event=None), rank)
        table = table[table["a"] >= min_a]
        search = st.text_input("Search PTs", key="search")
        if search:
            table = table[table["pt"].str.contains(search, case=False, na=False)]
        cols = [c for c in ("pt", "a", "b", "c", "d", "expected", "prr", "ror", "ror_lower", "ic025", "ebgm", "eb05")
                if c in table.columns]
        st.dataframe(table[cols], hide_index=True, width="stretch")
        common.table_downloads(table[cols], "screening", cap, synthetic, "screen")
from explorer.app import signal_panels  # noqa: E402 - issue 15's review panels, below the page's own

signal_panels.signals_page(s, sel)

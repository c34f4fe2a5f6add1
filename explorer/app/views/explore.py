"""Explore: KPIs and charts for the selection."""

import streamlit as st

from explorer import analysis
from explorer.app import common
from explorer.report import charts

s = common.store()
st.title("Explore")
synthetic = common.banner(s)
sel = common.sidebar_selection(s, need_exposure=False)
st.caption(common.describe(sel) + (f" — filters: {sel.filters.describe()}" if sel.filters.describe() else ""))
with st.spinner("Counting cases…"):
    c = analysis.count(s, sel)
if not c["n_cases"]:
    st.info("No current case matches this selection. Widen the filters, or check the exposure and event "
            "definitions (a PT must be spelled as MedDRA spells it).")
    st.stop()
k = st.columns(5)
k[0].metric("Cases", f"{c['n_cases']:,}")
k[1].metric("Serious", f"{c['n_serious']:,}")
k[2].metric("Deaths", f"{c['n_deaths']:,}")
k[3].metric("First year", c["first_year"] or "–")
k[4].metric("Last year", c["last_year"] or "–")
if c["n_probable_duplicates"]:
    st.caption(f"{c['n_probable_duplicates']:,} of these cases are flagged as probable duplicates of an earlier case "
               "(same full event date, age, sex, country, drugs and reactions). They are counted unless "
               "“Exclude probable duplicates” is ticked in the sidebar.")
cap = common.caption_for(s, sel, synthetic)

years = analysis.by_year(s, sel)
fig = charts.cases_by_year(years, cap, synthetic)
st.plotly_chart(fig, width="stretch", key="chart-years")
common.chart_downloads(fig, "cases by year", "years")
common.table_downloads(years, "cases by year", cap, synthetic, "years-table")

left, right = st.columns(2)
with left:
    out = analysis.outcomes(s, sel)
    if len(out):
        f2 = charts.bars(out, "outcome", "n_cases", cap, synthetic, "Outcomes (a case can have several)")
        st.plotly_chart(f2, width="stretch", key="chart-outcomes")
        common.chart_downloads(f2, "outcomes", "outcomes")
with right:
    pts = analysis.pts(s, sel, limit=25)
    if len(pts):
        f3 = charts.bars(pts, "pt", "n_cases", cap, synthetic, "Preferred terms", horizontal=True)
        st.plotly_chart(f3, width="stretch", key="chart-pts")
        common.chart_downloads(f3, "preferred terms", "pts")
demo = analysis.demographics(s, sel)
f4 = charts.demographics(demo, cap, synthetic)  # four panels in one figure: one chart for the browser to draw
st.plotly_chart(f4, width="stretch", key="chart-demographics")
common.chart_downloads(f4, "demographics", "demographics")
common.table_downloads(demo, "demographics", cap, synthetic, "demo-table")

"""Explore: KPIs and charts for the selection."""

import streamlit as st

from explorer import analysis
from explorer.app import cached, downloads, page
from explorer.report import charts


def body(p: page.Page) -> None:
    s, sel = p.store, p.sel
    if p.missing:
        st.info(f"To count cases, {p.missing}.")
        return
    c = cached.call(analysis.count, s, sel, spinner="Counting cases…")
    if not c["n_cases"]:
        st.info("No current case matches this selection. Widen the filters, or check the exposure and event "
                "definitions (a PT must be spelled as MedDRA spells it).")
        return
    k = st.columns(5)
    k[0].metric("Cases", f"{c['n_cases']:,}")
    k[1].metric("Serious", f"{c['n_serious']:,}")
    k[2].metric("Deaths", f"{c['n_deaths']:,}")
    k[3].metric("First year", c["first_year"] or "–")
    k[4].metric("Last year", c["last_year"] or "–")
    if c["n_probable_duplicates"]:
        st.caption(f"{c['n_probable_duplicates']:,} of these cases are flagged as probable duplicates of an earlier "
                   "case (same full event date, age, sex, country, drugs and reactions). They are counted unless "
                   "“Exclude probable duplicates” is ticked in the sidebar.")
    cap = p.caption()

    years = cached.call(analysis.by_year, s, sel)
    fig = cached.chart("years", s, sel, (cap, p.synthetic), lambda: charts.cases_by_year(years, cap, p.synthetic))
    st.plotly_chart(fig, width="stretch", key="chart-years")
    downloads.chart(fig, "cases by year", "years")
    downloads.table(years, "cases by year", cap, p.synthetic, "years-table")

    left, right = st.columns(2)
    with left:
        out = cached.call(analysis.outcomes, s, sel)
        if len(out):
            f2 = cached.chart("outcomes", s, sel, (cap, p.synthetic), lambda: charts.bars(
                out, "outcome", "n_cases", cap, p.synthetic, "Outcomes (a case can have several)"))
            st.plotly_chart(f2, width="stretch", key="chart-outcomes")
            downloads.chart(f2, "outcomes", "outcomes")
            downloads.table(out, "outcomes", cap, p.synthetic, "outcomes-table")
    with right:
        pts = cached.call(analysis.pts, s, sel, 25)
        if len(pts):
            f3 = cached.chart("pts", s, sel, (cap, p.synthetic), lambda: charts.bars(
                pts, "pt", "n_cases", cap, p.synthetic, "Preferred terms (25 most reported)", horizontal=True))
            st.plotly_chart(f3, width="stretch", key="chart-pts")
            downloads.chart(f3, "preferred terms", "pts")
            downloads.table(pts, "preferred terms", cap, p.synthetic, "pts-table")
    demo = cached.call(analysis.demographics, s, sel)
    f4 = cached.chart("demographics", s, sel, (cap, p.synthetic),  # four panels: one chart for the browser
                      lambda: charts.demographics(demo, cap, p.synthetic))
    st.plotly_chart(f4, width="stretch", key="chart-demographics")
    downloads.chart(f4, "demographics", "demographics")
    downloads.table(demo, "demographics", cap, p.synthetic, "demo-table")


page.run("explore", "Explore", body, need_exposure=False)

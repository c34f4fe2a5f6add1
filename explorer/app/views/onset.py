"""Time to onset: days from the exposure drug's start (the injection) to the event, with its denominator."""

import streamlit as st

from explorer import analysis
from explorer.app import cached, downloads, onset_text, page, signal_panels, state
from explorer.report import charts


def body(p: page.Page) -> None:
    s, sel = p.store, p.sel
    if p.missing:
        st.info(f"To compute the time to onset, {p.missing}.")
        return
    if sel.event is None:
        st.info("Choose an event group or PTs in the sidebar.")
        return
    n_selected = cached.call(analysis.count, s, sel)["n_cases"]
    res = cached.call(analysis.time_to_onset, s, sel)
    lines = onset_text.describe(res["days"]["onset_days"], n_selected, res)
    if res["n"] == 0:
        st.info(lines[0])
        return
    k = st.columns(4)
    k[0].metric("Cases with an onset", f"{res['n']:,} of {n_selected:,}",
                help="Cases with a full event date and a full start date of the exposure drug, of all cases of the "
                     "selection")
    k[1].metric("Median (days)", f"{res['median']:.0f}")
    k[2].metric("IQR (days)", f"{res['q1']:.0f}–{res['q3']:.0f}")
    shape = "not defined" if res["shape"] != res["shape"] else f"{res['shape']:.2f}"
    k[3].metric("Weibull shape", shape)
    for line in lines:
        st.markdown(line)
    cap = p.caption()
    fig = cached.chart("onset", s, sel, (cap, p.synthetic),
                       lambda: charts.onset_histogram(res["days"]["onset_days"], cap, p.synthetic))
    st.plotly_chart(fig, width="stretch", key="chart-onset")
    downloads.chart(fig, "time to onset", "onset")
    downloads.table(res["days"], "time to onset", cap, p.synthetic, "onset-table")
    p.view["compare"] = st.toggle("Compare with another onset distribution",
                                  **state.seed("compare", p.view["compare"]))
    if p.view["compare"]:  # drawn on request: it computes on every rerun
        signal_panels.onset_page(s, sel)  # issue 15: onset compared with another distribution


page.run("onset", "Time to onset", body)

"""Time to onset: days from the exposure drug's start (the injection) to the event."""

import streamlit as st

from explorer import analysis
from explorer.app import common
from explorer.report import charts

s = common.store()
st.title("Time to onset")
synthetic = common.banner(s)
sel = common.sidebar_selection(s)
if sel.event is None:
    st.info("Choose an event group or PTs in the sidebar.")
    st.stop()
res = analysis.time_to_onset(s, sel)
if res["n"] == 0:
    st.info("No case of this selection has both a full event date and a full start date of the exposure drug, so "
            "no onset can be computed.")
    st.stop()
k = st.columns(4)
k[0].metric("Cases with an onset", res["n"])
k[1].metric("Median (days)", f"{res['median']:.0f}")
k[2].metric("IQR (days)", f"{res['q1']:.0f}–{res['q3']:.0f}")
shape = "n/a" if res["shape"] != res["shape"] else f"{res['shape']:.2f}"
k[3].metric("Weibull shape", shape)
if res["shape"] == res["shape"]:
    st.caption(f"Weibull shape {res['shape']:.2f} (95% CI {res['shape_lower']:.2f}–{res['shape_upper']:.2f}): "
               + ("below 1 — events cluster soon after the injection." if res["shape_upper"] < 1 else
                  "the interval includes 1 or lies above it — no early clustering shown."))
cap = common.caption_for(s, sel, synthetic)
fig = charts.onset_histogram(res["days"]["onset_days"], cap, synthetic)
st.plotly_chart(fig, width="stretch", key="chart-onset")
common.chart_downloads(fig, "time to onset", "onset")
common.table_downloads(res["days"], "time to onset", cap, synthetic, "onset-table")
from explorer.app import signal_panels  # noqa: E402 - issue 15: onset compared with another distribution

signal_panels.onset_page(s, sel)

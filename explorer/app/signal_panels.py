"""Dashboard panels of the review methods (issue 15): crude beside stratified measures, disproportionality over time
with the timeline's events, unmasking, and time to onset compared.

Each function takes the store and the page's selection and draws itself; the Signals page calls
:func:`signals_page` and the Time to onset page :func:`onset_page` at their ends. The numbers come from
:mod:`explorer.analysis`; nothing is computed here.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import analysis
from explorer.app import db, downloads, page, sidebar
from explorer.errors import ExplorerError
from explorer.report import charts, method_charts
from explorer.selection import Selection
from explorer.store.reader import Store

STRATUM_LABELS = {"age_band": "Age band", "sex": "Sex", "year": "Year received"}


def _context(store: Store, selection: Selection) -> tuple[bool, str]:
    synthetic, notice = db.notice(store)
    return synthetic, charts.caption(notice, sidebar.quarters_label(), page.describe(selection),
                                     selection.filters.describe(), synthetic)


def signals_page(store: Store, selection: Selection) -> None:
    """The Signals page's review panels, in one expander each."""
    if selection.exposure is None or selection.event is None:
        return
    try:
        with st.expander("Crude and stratified (Mantel-Haenszel, stratified expected count)", expanded=False):
            adjusted(store, selection)
        with st.expander("Over time, with dated events", expanded=False):
            over_time(store, selection)
        with st.expander("Unmasking: the reference group without a masking drug or event", expanded=False):
            unmasking(store, selection)
    except ExplorerError as e:
        st.error(str(e))


def adjusted(store: Store, selection: Selection) -> None:
    """Crude and adjusted measures side by side, for the strata the user picks."""
    keys = st.multiselect("Stratify by", list(analysis.STRATA), default=list(analysis.STRATA),
                          format_func=lambda k: STRATUM_LABELS.get(k, k), key="sp-strata")
    if not keys:
        st.info("Choose at least one stratification key.")
        return
    r = analysis.signal(store, selection, stratify=tuple(keys))
    rows = [("Expected a", r["expected"], None, None, r.get("expected_stratified"), None, None),
            ("ROR (95% CI)", r["ror"], *r["ror_ci"], r.get("ror_mh"), r.get("ror_mh_lower"), r.get("ror_mh_upper")),
            ("IC (IC025-IC975)", r["ic"], r["ic025"], r["ic975"], r.get("ic_stratified"), r.get("ic025_stratified"),
             r.get("ic975_stratified")),
            ("EBGM (EB05-EB95)", r.get("ebgm"), r.get("eb05"), r.get("eb95"), r.get("ebgm_stratified"),
             r.get("eb05_stratified"), r.get("eb95_stratified"))]
    table = pd.DataFrame(rows, columns=["measure", "crude", "crude lower", "crude upper", "adjusted",
                                        "adjusted lower", "adjusted upper"])
    st.dataframe(table, hide_index=True)
    st.caption(f"Adjusted for {', '.join(STRATUM_LABELS[k].lower() for k in r['strata'])} "
               f"({r['n_strata']:,} strata with cases; a missing value is its own stratum). ROR: Mantel-Haenszel "
               "with the Robins-Breslow-Greenland 95% CI; IC and EBGM from the stratified expected count. "
               f"EBGM prior: {r['prior_source']} (crude); {r.get('prior_source_stratified')} (stratified).")
    synthetic, cap = _context(store, selection)
    fig = method_charts.crude_vs_adjusted(r, cap, synthetic)
    st.plotly_chart(fig, width="stretch", key="sp-chart-adjusted")
    downloads.chart(fig, "crude and stratified", "sp-adjusted")
    downloads.table(table, "crude and stratified", cap, synthetic, "sp-adjusted-table")


def over_time(store: Store, selection: Selection) -> None:
    """PRR, ROR or IC by quarter or year received, cumulative or not, with the timeline's events."""
    c1, c2, c3 = st.columns(3)
    period = c1.radio("Period", list(analysis.PERIODS), horizontal=True, key="sp-period")
    cumulative = c2.checkbox("Cumulative", value=True, key="sp-cumulative")
    measure = c3.selectbox("Measure", ["ror", "prr", "ic"], key="sp-measure")
    frame = analysis.over_time(store, selection, period, cumulative)
    if frame.empty:
        st.info("No case of this selection has a received date.")
        return
    synthetic, cap = _context(store, selection)
    events = analysis.timeline_events(store)
    fig = method_charts.over_time(frame, events, cap, synthetic, measure, cumulative)
    st.plotly_chart(fig, width="stretch", key="sp-chart-over-time")
    downloads.chart(fig, "disproportionality over time", "sp-over-time")
    if frame.attrs.get("n_undated"):
        st.caption(f"{frame.attrs['n_undated']:,} case(s) without a received date are left out of the series.")
    st.caption("Events marked are read from queries/definitions/timeline.toml (editable). Stimulated reporting "
               "after publicity inflates disproportionality; intervals are 95%.")
    st.dataframe(frame, hide_index=True)
    downloads.table(frame, "disproportionality over time", cap, synthetic, "sp-over-time-table")


def unmasking(store: Store, selection: Selection) -> None:
    """Each measure with and without a masking drug's or event's cases in the reference group."""
    choices = ["", *sorted(store.definitions.events), *sorted(n for n, e in store.definitions.exposures.items()
                                                              if e.ingredients)]
    name = st.selectbox("Leave out of the reference group (event group or exposure)", choices, key="sp-mask")
    typed = st.text_input("…or an ingredient or PT", key="sp-mask-text")
    chosen = typed.strip() or name
    if not chosen:
        st.info("Choose the masking drug or event.")
        return
    exclude = analysis.background_exclusion(store, chosen)
    table = analysis.unmasking(store, selection, exclude)
    st.dataframe(table, hide_index=True)
    st.caption(f"Reference group without the cases of {exclude.label}. Change: the ratio without/with for PRR, ROR "
               "and EBGM; the difference for counts, expected counts and IC.")
    synthetic, cap = _context(store, selection)
    downloads.table(table, "unmasking", cap, synthetic, "sp-unmasking")


def onset_page(store: Store, selection: Selection) -> None:
    """Time to onset compared with the exposure's other events or the comparator's: both distributions, KS and AD."""
    if selection.exposure is None or selection.event is None:
        return
    with st.expander("Compare with another onset distribution", expanded=False):
        options = ["other-events"] + (["comparator"] if selection.comparator is not None else [])
        against = st.radio("Compare with", options, horizontal=True, key="sp-onset-against",
                           format_func={"other-events": "the exposure's other events",
                                        "comparator": "the comparator, same event"}.get)
        try:
            res = analysis.onset_comparison(store, selection, against)
        except ExplorerError as e:
            st.error(str(e))
            return
        synthetic, cap = _context(store, selection)
        fig = method_charts.onset_ecdf(res["days"]["onset_days"], res["other_days"]["onset_days"], res["label"],
                                       res["other_label"], cap, synthetic, res)
        st.plotly_chart(fig, width="stretch", key="sp-chart-onset-compare")
        downloads.chart(fig, "time to onset compared", "sp-onset-compare")
        tests = pd.DataFrame([
            ("Kolmogorov-Smirnov (two-sided)", res["ks_statistic"], res["ks_pvalue"]),
            ("Anderson-Darling k-sample (midrank)", res["ad_statistic"], res["ad_pvalue"])],
            columns=["test", "statistic", "p-value"])
        st.dataframe(tests, hide_index=True)
        if res["ad_pvalue_bounded"]:
            st.caption("The Anderson-Darling p-value is interpolated in scipy's table and capped to 0.001-0.25.")

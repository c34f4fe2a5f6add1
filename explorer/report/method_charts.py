"""Charts of the review methods (issue 15): disproportionality over time with dated events, crude against adjusted
measures, and two onset distributions in one chart.

Pure functions from DataFrames to plotly figures, in the journal template of :mod:`explorer.report.charts`; every
figure from synthetic data says so in its title and caption.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.report.charts import ACCENT, NON_SERIOUS, SERIOUS, template, wrap

MEASURES = {"ror": ("ROR", "ror_lower", "ror_upper"), "prr": ("PRR", "prr_lower", "prr_upper"),
            "ic": ("IC", "ic025", "ic975"), "ror_mh": ("ROR (Mantel-Haenszel)", "ror_mh_lower", "ror_mh_upper")}


def _finish(fig: go.Figure, title: str, cap: str, synthetic: bool, caption_y: float = -0.42) -> go.Figure:
    if synthetic:
        title = f"{title} — synthetic demo data, not FDA data"
    fig.update_layout(template=template(), title={"text": title, "x": 0, "font": {"size": 14}})
    fig.add_annotation(text=wrap(cap, 130), xref="paper", yref="paper", x=0, y=caption_y, showarrow=False,
                       align="left", xanchor="left", yanchor="top", font={"size": 9, "color": "#444"})
    return fig


def _period_end(period: str) -> pd.Timestamp:
    freq = "Q" if "Q" in period else "Y"
    return pd.Period(period, freq=freq).end_time.normalize()


def over_time(frame: pd.DataFrame, events: list, cap: str, synthetic: bool, measure: str = "ror",
              cumulative: bool = False, title: str = "Disproportionality over time") -> go.Figure:
    """The measure with its 95% interval per period (top, log scale for ratios) and the exposed cases with the event
    per period (bottom), with the timeline's events marked (a line for a day, a shaded band for a period).

    Args:
        frame: rows of :func:`explorer.analysis.over_time` (``period``, ``a``, the measure and its interval).
        events: :class:`explorer.timeline.TimelineEvent` objects.
        measure: ``ror``, ``prr``, ``ic`` or ``ror_mh``.
        cumulative: whether the rows are cumulative (said on the axes).
    """
    label, lo_col, hi_col = MEASURES[measure]
    x = [_period_end(p) for p in frame["period"]]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.06)
    value, lo, hi = frame[measure].astype(float), frame[lo_col].astype(float), frame[hi_col].astype(float)
    fig.add_trace(go.Scatter(x=x + x[::-1], y=list(hi) + list(lo[::-1]), fill="toself", fillcolor=NON_SERIOUS,
                             line={"width": 0}, hoverinfo="skip", name="95% interval", opacity=0.6), 1, 1)
    fig.add_trace(go.Scatter(x=x, y=value, mode="lines+markers", line={"color": SERIOUS}, marker={"size": 5},
                             name=label, text=list(frame["period"]),
                             hovertemplate="%{text}: %{y:.3g}<extra></extra>"), 1, 1)
    fig.add_trace(go.Bar(x=x, y=frame["a"], marker_color=SERIOUS, name="exposed cases with the event",
                         showlegend=False), 2, 1)
    null = 0 if measure == "ic" else 1
    fig.add_hline(y=null, line_dash="dot", line_color="#888", row=1, col=1)
    if measure != "ic":
        fig.update_yaxes(type="log", row=1, col=1)
    scope = "cumulative to the end of each period" if cumulative else "cases received in each period"
    fig.update_yaxes(title_text=f"{label} (95% interval)", row=1, col=1)
    fig.update_yaxes(title_text="a (cases)", row=2, col=1)
    fig.update_xaxes(title_text=f"End of period received by FDA ({scope})", row=2, col=1)
    for i, e in enumerate(events):
        start, end = pd.Timestamp(e.start), pd.Timestamp(e.end)
        if e.is_period:
            fig.add_vrect(x0=start, x1=end, fillcolor=ACCENT, opacity=0.08, line_width=0, row="all", col=1)
        else:
            fig.add_vline(x=start, line_dash="dash", line_color=ACCENT, row="all", col=1)
        fig.add_annotation(x=start, y=1.0 - 0.07 * i, xref="x", yref="paper", text=wrap(e.title, 40),
                           showarrow=False, xanchor="left", yanchor="top", font={"size": 9, "color": ACCENT},
                           bgcolor="rgba(255,255,255,0.7)")
    fig.update_layout(legend={"orientation": "h", "y": -0.18})
    return _finish(fig, title, cap, synthetic, caption_y=-0.3)


def crude_vs_adjusted(result: dict, cap: str, synthetic: bool,
                      title: str = "Crude and stratified disproportionality") -> go.Figure:
    """ROR crude and Mantel-Haenszel, EBGM crude and from the stratified expected count, each with its interval
    (95% CI; EB05-EB95), on one log axis."""
    rows = [("ROR, crude", result.get("ror"), *(result.get("ror_ci") or [None, None])),
            ("ROR, Mantel-Haenszel", result.get("ror_mh"), result.get("ror_mh_lower"), result.get("ror_mh_upper")),
            ("EBGM, crude (EB05-EB95)", result.get("ebgm"), result.get("eb05"), result.get("eb95")),
            ("EBGM, stratified (EB05-EB95)", result.get("ebgm_stratified"), result.get("eb05_stratified"),
             result.get("eb95_stratified"))]
    rows = [r for r in rows if r[1] is not None and r[2] is not None and r[3] is not None]
    labels = [r[0] for r in rows]
    v = np.array([r[1] for r in rows], dtype=float)
    lo = np.array([r[2] for r in rows], dtype=float)
    hi = np.array([r[3] for r in rows], dtype=float)
    colors = [SERIOUS if "crude" in r[0] else ACCENT for r in rows]
    fig = go.Figure(go.Scatter(x=v, y=labels, mode="markers", marker={"color": colors, "size": 10, "symbol": "square"},
                               error_x={"type": "data", "symmetric": False, "array": hi - v, "arrayminus": v - lo,
                                        "color": "#444"}))
    fig.add_vline(x=1, line_dash="dot", line_color="#888")
    fig.update_layout(xaxis_type="log", xaxis_title="Estimate (interval; log scale)",
                      yaxis={"autorange": "reversed"})
    return _finish(fig, title, cap, synthetic)


def onset_ecdf(days: Iterable[float], other_days: Iterable[float], label: str, other_label: str, cap: str,
               synthetic: bool, tests: dict | None = None,
               title: str = "Time to onset compared") -> go.Figure:
    """Both onset distributions as empirical distribution functions in one chart, with the tests in the title."""
    fig = go.Figure()
    for values, name, color in ((days, label, SERIOUS), (other_days, other_label, ACCENT)):
        d = np.sort(np.asarray(list(values), dtype=float))
        if not len(d):
            continue
        y = np.arange(1, len(d) + 1) / len(d)
        fig.add_trace(go.Scatter(x=d, y=y, mode="lines", line={"shape": "hv", "color": color},
                                 name=f"{name} (n={len(d)})"))
    fig.update_layout(xaxis_title="Days from the drug's start (therapy start) to the event",
                      yaxis_title="Share of cases with onset by this day", yaxis_range=[0, 1.02])
    if tests and tests.get("ks_pvalue") == tests.get("ks_pvalue"):
        ad = tests.get("ad_pvalue")
        bound = " (table-capped)" if tests.get("ad_pvalue_bounded") else ""
        title = (f"{title}: KS D = {tests['ks_statistic']:.2f}, p = {tests['ks_pvalue']:.2g}; "
                 f"Anderson-Darling p = {ad:.2g}{bound}")
    return _finish(fig, title, cap, synthetic)

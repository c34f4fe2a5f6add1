"""Charts for journals: plotly figures in a plain template, each with a caption naming its source and definitions.

Pure functions from DataFrames to figures; no Streamlit. Every figure built from synthetic data says so in its
title and caption.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT = "Arial, Helvetica, sans-serif"
SERIOUS, NON_SERIOUS, ACCENT = "#1f4e79", "#9dc3e6", "#c00000"


def template() -> go.layout.Template:
    """A journal-friendly template: white background, thin axes, no gridlines, one sans-serif font."""
    t = go.layout.Template()
    t.layout = go.Layout(
        font={"family": FONT, "size": 12, "color": "#222"}, paper_bgcolor="white", plot_bgcolor="white",
        xaxis={"showline": True, "linecolor": "#444", "ticks": "outside", "showgrid": False, "zeroline": False},
        yaxis={"showline": True, "linecolor": "#444", "ticks": "outside", "showgrid": False, "zeroline": False},
        margin={"l": 70, "r": 20, "t": 60, "b": 110}, legend={"orientation": "h", "y": -0.25},
        colorway=[SERIOUS, NON_SERIOUS, ACCENT, "#7f7f7f", "#548235", "#bf9000"],
    )
    return t


def caption(notice: str, quarters: str, definition: str, filters: str = "", synthetic: bool = False) -> str:
    """The caption every exported chart and table carries: source, quarters, deduplication, definition, date."""
    parts = [
        ("SYNTHETIC DEMO DATA — NOT FDA DATA. " if synthetic else "")
        + f"Source: {notice}, quarters {quarters}",
        "deduplicated to the latest version of each case (FDA's rule), deleted cases removed; counts are distinct "
        "cases, not rates",
        f"Selection: {definition}" + (f"; filters: {filters}" if filters else ""),
        f"Produced {date.today().isoformat()} with faers-explorer",
    ]
    return ". ".join(parts) + "."


def _count_axis(fig: go.Figure, axis: str = "y") -> None:
    """Case counts are whole numbers: no fractional ticks on small counts."""
    values = [v for trace in fig.data for v in (getattr(trace, axis) if getattr(trace, axis) is not None else [])]
    numeric = [v for v in values if isinstance(v, (int, float))]
    if numeric and max(numeric) <= 10:
        (fig.update_yaxes if axis == "y" else fig.update_xaxes)(dtick=1, tick0=0)


def _finish(fig: go.Figure, title: str, cap: str, synthetic: bool) -> go.Figure:
    if synthetic:
        title = f"{title} — synthetic demo data, not FDA data"
    fig.update_layout(template=template(), title={"text": title, "x": 0, "font": {"size": 14}})
    fig.add_annotation(text=_wrap(cap, 130), xref="paper", yref="paper", x=0, y=-0.42, showarrow=False,
                       align="left", xanchor="left", yanchor="top", font={"size": 9, "color": "#444"})
    return fig


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(lines)


def cases_by_year(frame: pd.DataFrame, cap: str, synthetic: bool, title: str = "Cases by year received") -> go.Figure:
    """Stacked bars of serious and non-serious cases per year (from the cases_by_year query)."""
    years = frame.groupby("year")[["n_serious", "n_non_serious"]].sum().reset_index()
    fig = go.Figure([
        go.Bar(x=years["year"], y=years["n_serious"], name="Serious", marker_color=SERIOUS),
        go.Bar(x=years["year"], y=years["n_non_serious"], name="Non-serious", marker_color=NON_SERIOUS),
    ])
    fig.update_layout(barmode="stack", xaxis_title="Year FDA received the case", yaxis_title="Cases")
    totals = years["n_serious"] + years["n_non_serious"]
    if len(totals) and totals.max() <= 10:
        fig.update_yaxes(dtick=1, tick0=0)
    return _finish(fig, title, cap, synthetic)


def bars(frame: pd.DataFrame, x: str, y: str, cap: str, synthetic: bool, title: str, x_title: str = "",
         horizontal: bool = False) -> go.Figure:
    """A plain bar chart (outcomes, PTs, demographics)."""
    if horizontal:
        fig = go.Figure(go.Bar(y=frame[x][::-1], x=frame[y][::-1], orientation="h", marker_color=SERIOUS))
        fig.update_layout(xaxis_title="Cases", yaxis_title=x_title)
        _count_axis(fig, "x")
    else:
        fig = go.Figure(go.Bar(x=frame[x], y=frame[y], marker_color=SERIOUS))
        fig.update_layout(xaxis_title=x_title, yaxis_title="Cases")
        _count_axis(fig, "y")
    return _finish(fig, title, cap, synthetic)


DEMOGRAPHIC_PANELS = (("sex", "Sex"), ("age_band", "Age band"), ("country", "Reporter country"),
                      ("reporter", "Reporter"))


def demographics(frame: pd.DataFrame, cap: str, synthetic: bool, title: str = "Who the cases are",
                 top: int = 12) -> go.Figure:
    """Sex, age band, reporter country and reporter type side by side: one figure, four panels."""
    fig = make_subplots(rows=1, cols=len(DEMOGRAPHIC_PANELS), subplot_titles=[t for _, t in DEMOGRAPHIC_PANELS],
                        horizontal_spacing=0.06)
    most = 0
    for i, (dim, _) in enumerate(DEMOGRAPHIC_PANELS, start=1):
        part = frame[frame["dimension"] == dim].head(top)
        fig.add_trace(go.Bar(x=part["value"], y=part["n_cases"], marker_color=SERIOUS, showlegend=False), 1, i)
        most = max(most, int(part["n_cases"].max()) if len(part) else 0)
    fig.update_yaxes(title_text="Cases", row=1, col=1)
    if most <= 10:
        fig.update_yaxes(dtick=1, tick0=0)
    return _finish(fig, title, cap, synthetic)


def forest(frame: pd.DataFrame, cap: str, synthetic: bool, measure: str = "ror",
           title: str = "Disproportionality by preferred term") -> go.Figure:
    """Forest plot of ROR or PRR with 95% CI per PT (undefined measures are listed, not drawn)."""
    rows = frame.dropna(subset=[measure]).copy()
    lo = rows[f"{measure}_ci"].map(lambda ci: ci[0])
    hi = rows[f"{measure}_ci"].map(lambda ci: ci[1])
    labels = [f"{p} (a={a})" for p, a in zip(rows["pt"], rows["a"], strict=True)]
    fig = go.Figure(go.Scatter(
        x=rows[measure], y=labels, mode="markers", marker={"color": SERIOUS, "size": 9, "symbol": "square"},
        error_x={"type": "data", "symmetric": False, "array": hi - rows[measure], "arrayminus": rows[measure] - lo,
                 "color": "#444"}))
    fig.add_vline(x=1, line_dash="dot", line_color="#888")
    fig.update_layout(xaxis_type="log", xaxis_title=f"{measure.upper()} (95% CI, log scale)")
    missing = sorted(set(frame["pt"]) - set(rows["pt"]))
    if missing:
        cap = f"{cap} Not drawn (a zero cell leaves the measure undefined): {', '.join(missing)}."
    return _finish(fig, title, cap, synthetic)


def onset_histogram(days: pd.Series, cap: str, synthetic: bool, title: str = "Time to onset") -> go.Figure:
    """Histogram of days from the exposure drug's start to the event."""
    days = pd.Series(days).astype(int)
    counts = days.value_counts().sort_index()
    fig = go.Figure(go.Bar(x=counts.index, y=counts.values, width=0.9, marker_color=SERIOUS))  # one bar per day
    fig.update_layout(xaxis_title="Days from injection (therapy start) to event", yaxis_title="Cases",
                      xaxis_range=[-1, max(int(days.max()) + 1, 7)])
    if len(counts) and counts.max() <= 10:
        fig.update_yaxes(dtick=1, tick0=0)
    return _finish(fig, title, cap, synthetic)

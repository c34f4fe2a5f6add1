"""Charts for journals: plotly figures in a plain template, each with a caption naming its source and definitions.

Pure functions from DataFrames to figures; no Streamlit. Every figure built from synthetic data says so in its
title and caption.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT = "Arial, Helvetica, sans-serif"
SERIOUS, NON_SERIOUS, ACCENT = "#1f4e79", "#9dc3e6", "#c00000"


def template() -> go.layout.Template:
    """A journal-friendly template: white background, thin axes, no gridlines, one sans-serif font.

    Built once: a figure's layout takes a copy of it.
    """
    return _template()


@cache
def _template() -> go.layout.Template:
    t = go.layout.Template()
    t.layout = go.Layout(
        font={"family": FONT, "size": 12, "color": "#222"}, paper_bgcolor="white", plot_bgcolor="white",
        xaxis={"showline": True, "linecolor": "#444", "ticks": "outside", "showgrid": False, "zeroline": False},
        yaxis={"showline": True, "linecolor": "#444", "ticks": "outside", "showgrid": False, "zeroline": False},
        margin={"l": 60, "r": 20, "t": 60, "b": 50}, legend={"orientation": "h", "y": -0.2},
        colorway=[SERIOUS, NON_SERIOUS, ACCENT, "#7f7f7f", "#548235", "#bf9000"],
    )
    return t


def caption(notice: str, quarters: str, definition: str, filters: str = "", synthetic: bool = False,
            meddra: str | None = None) -> str:
    """The caption every exported chart and table carries: source, quarters, deduplication, definition, the terms'
    MedDRA version (``meddra``, e.g. 'MedDRA 27.1 English'; None: the reported terms as shipped), date."""
    parts = [
        ("SYNTHETIC DEMO DATA — NOT FDA DATA. " if synthetic else "")
        + f"Source: {notice}, quarters {quarters}",
        "Deduplicated to the latest version of each case (FDA's rule), deleted cases removed; counts are distinct "
        "cases, not rates",
        f"Selection: {definition}" + (f"; filters: {filters}" if filters else ""),
        f"Reactions coded to {meddra} PTs" if meddra else "Reactions as reported (no MedDRA version imported)",
        f"Produced {date.today().isoformat()} with faers-explorer",
    ]
    return ". ".join(parts) + "."


def _figure(data: list[dict], layout: dict, title: str, cap: str, synthetic: bool) -> go.Figure:
    """The figure of these traces and this layout, with the title, the journal template, the caption (kept in
    ``layout.meta``; :func:`for_print` draws it on the canvas) and automargin on every axis, built in one pass.

    Every ``update_*`` of a plotly figure validates and lays out the whole figure again: a chart built trace by
    trace and update by update cost two to three times as much (the first filter change of a selection builds every
    chart of its page). The layout's axes (``xaxis``, ``yaxis``, ``xaxis2``, ...) are the figure's axes.
    """
    heading = title
    if synthetic:
        title = f"{title} — synthetic demo data, not FDA data"
    layout = {**layout, "template": template(), "title": {"text": title, "x": 0, "font": {"size": 14}},
              "meta": {"caption": cap, "title": title, "heading": heading, "synthetic": synthetic}}
    for name in [k for k in layout if k.startswith(("xaxis", "yaxis"))]:
        layout[name] = {**layout[name], "automargin": True}
    return go.Figure({"data": data, "layout": layout})


def _axis(title: str = "", small_counts: bool = False, **props) -> dict:
    """An axis of :func:`_figure`'s layout: its title and, for counts of 10 or less, whole-number ticks."""
    return {"title": {"text": title}, **props, **({"dtick": 1, "tick0": 0} if small_counts else {})}


# ---- print sizes ----------------------------------------------------------------------------------------------------

PX_PER_IN = 96  # plotly and kaleido lay out in CSS pixels: 96 to the inch, 1 px = 0.75 pt
SINGLE_COLUMN_IN, DOUBLE_COLUMN_IN = 3.5, 7.0
PRINT_FONT_PX = 10  # 7.5 pt at print size: journals ask for at least 7 pt
PLOT_HEIGHT_PX = {SINGLE_COLUMN_IN: 230, DOUBLE_COLUMN_IN: 300}
_CHAR = 0.56  # average glyph width of Arial, in font sizes


def _labels(fig: go.Figure, axis: str) -> list[str]:
    out: list[str] = []
    for trace in fig.data:
        values = getattr(trace, axis, None)
        if values is None:
            continue
        out.extend(str(v) for v in values if isinstance(v, str))
    return out


def _wrap_label(text: str, width: int) -> str:
    return wrap(text, width) if len(text) > width else text


def for_print(fig: go.Figure, width_in: float = DOUBLE_COLUMN_IN) -> tuple[go.Figure, int, int]:
    """A copy of a figure laid out for print at ``width_in`` inches, with the title, the caption and (for synthetic
    data) the synthetic label drawn on the canvas, fonts of at least 7 pt at that size, and margins grown to fit the
    longest tick labels.

    Returns:
        The figure and its width and height in CSS pixels (96 per inch).
    """
    f = go.Figure(fig)
    meta = dict(f.layout.meta) if isinstance(f.layout.meta, dict) else {}
    cap = meta.get("caption", "")
    title = meta.get("heading") or meta.get("title") or (f.layout.title.text or "")
    synthetic = bool(meta.get("synthetic"))
    width = round(width_in * PX_PER_IN)
    fs = PRINT_FONT_PX
    plot_h = PLOT_HEIGHT_PX.get(width_in, round(width_in * 43))
    # left: the longest y label (PT names of bar and forest charts), wrapped beyond 30 characters
    ylab = _labels(f, "y")
    wrap_at = 26 if width_in <= SINGLE_COLUMN_IN else 40
    if ylab:
        wrapped = {v: _wrap_label(v, wrap_at) for v in ylab}
        for trace in f.data:
            if trace.y is not None and any(isinstance(v, str) for v in trace.y):
                trace.y = [wrapped.get(v, v) if isinstance(v, str) else v for v in trace.y]
        longest = max(len(part) for v in wrapped.values() for part in v.split("<br>"))
        left = min(round(longest * fs * _CHAR) + 16, round(width * 0.55))
        lines = max(v.count("<br>") + 1 for v in wrapped.values())
        plot_h = max(plot_h, len(dict.fromkeys(wrapped.values())) * lines * round(fs * 1.4) + 10)
    else:
        left = 58
    if f.layout.yaxis.title.text:
        left += 4
    # bottom: x tick labels (turned when long), the x title, a legend row, then the caption
    xlab = _labels(f, "x")
    n_panels = sum(1 for k in f.layout if str(k).startswith("xaxis")) or 1
    per_label = (width - left) / max(len(xlab), 1) if xlab else width
    longest_x = max((len(v) for v in xlab), default=4)
    turned = bool(xlab) and (longest_x * fs * _CHAR > per_label * 0.9 or n_panels > 2)
    tick_h = round(longest_x * fs * _CHAR * 0.75) + fs if turned else fs + 8
    axis_block = tick_h + 8 + (fs + 8 if any(f.layout[k].title.text for k in f.layout
                                              if str(k).startswith("xaxis")) else 0)
    legend = sum(1 for t in f.data if t.showlegend is not False and t.name) > 1
    legend_block = fs + 14 if legend else 0
    cap_lines = wrap(cap, max(int((width - 16) / (fs * 0.5)), 30)).split("<br>") if cap else []
    cap_block = len(cap_lines) * round(fs * 1.3) + 8
    title_lines = [f"<b>{t}</b>" for t in wrap(title, max(int((width - 10) / (12 * _CHAR * 1.05)), 20)).split("<br>")]
    if synthetic:
        title_lines.append(f'<span style="color:{ACCENT}">Synthetic demo data — not FDA data</span>')
    top = len(title_lines) * 16 + 12 + (fs + 6 if len(f.layout.annotations) else 0)  # subplot titles
    bottom = axis_block + legend_block + cap_block
    height = top + plot_h + bottom
    f.update_layout(
        width=width, height=height, autosize=False, template=template(),
        font={"family": FONT, "size": fs, "color": "#222"},
        title={"text": ""},
        margin={"l": left, "r": 12, "t": top, "b": bottom, "autoexpand": True},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -(axis_block + 2) / plot_h, "yanchor": "top",
                "font": {"size": fs}},
    )
    f.update_xaxes(tickfont={"size": fs}, title_font={"size": fs}, automargin=False,
                   **({"tickangle": -45} if turned else {}))
    f.update_yaxes(tickfont={"size": fs}, title_font={"size": fs}, automargin=True)
    for axis in (k for k in f.layout if str(k).startswith(("xaxis", "yaxis"))):
        if f.layout[axis].type == "log":  # powers of ten only: the 2 and 5 between them print below 7 pt
            f.layout[axis].dtick = 1
    panel_titles = fs + 6 if len(f.layout.annotations) else 0
    f.update_annotations(font_size=fs)  # subplot titles
    f.add_annotation(text="<br>".join(title_lines), xref="paper", yref="paper", x=0, y=1, xshift=-left + 6,
                     yshift=8 + panel_titles, showarrow=False, align="left", xanchor="left", yanchor="bottom",
                     font={"size": 12, "color": "#222"})
    if cap_lines:
        f.add_annotation(text="<br>".join(cap_lines), xref="paper", yref="paper", x=0, y=0, xshift=-left + 6,
                         yshift=-(axis_block + legend_block), showarrow=False, align="left", xanchor="left",
                         yanchor="top", font={"size": fs, "color": "#333"})
    return f, width, height


def _em(text: str) -> float:
    """Approximate width of Arial text in font sizes (capitals and digits are wider than lower case)."""
    return sum(0.68 if c.isupper() else 0.56 if c.isdigit() else 0.3 if c in " .,;:il'()|" else 0.5 for c in text)


def wrap(text: str, width: int) -> str:
    """Wrap at about ``width`` lower-case characters per line (capitals count wider), joined with <br>."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and _em(f"{line} {w}") > width * 0.5:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(lines)


def cases_by_year(frame: pd.DataFrame, cap: str, synthetic: bool, title: str = "Cases by year received") -> go.Figure:
    """Stacked bars of serious and non-serious cases per year (from the cases_by_year query)."""
    years = frame.groupby("year")[["n_serious", "n_non_serious"]].sum().reset_index()
    totals = years["n_serious"] + years["n_non_serious"]
    return _figure(
        [{"type": "bar", "x": years["year"], "y": years["n_serious"], "name": "Serious", "marker": {"color": SERIOUS}},
         {"type": "bar", "x": years["year"], "y": years["n_non_serious"], "name": "Non-serious",
          "marker": {"color": NON_SERIOUS}}],
        {"barmode": "stack", "xaxis": _axis("Year FDA received the case"),
         "yaxis": _axis("Cases", bool(len(totals)) and totals.max() <= 10)}, title, cap, synthetic)


def bars(frame: pd.DataFrame, x: str, y: str, cap: str, synthetic: bool, title: str, x_title: str = "",
         horizontal: bool = False) -> go.Figure:
    """A plain bar chart (outcomes, PTs, demographics)."""
    small = bool(len(frame)) and frame[y].max() <= 10
    if horizontal:
        return _figure([{"type": "bar", "y": frame[x][::-1], "x": frame[y][::-1], "orientation": "h",
                         "marker": {"color": SERIOUS}}],
                       {"xaxis": _axis("Cases", small), "yaxis": _axis(x_title)}, title, cap, synthetic)
    return _figure([{"type": "bar", "x": frame[x], "y": frame[y], "marker": {"color": SERIOUS}}],
                   {"xaxis": _axis(x_title), "yaxis": _axis("Cases", small)}, title, cap, synthetic)


DEMOGRAPHIC_PANELS = (("sex", "Sex"), ("age_band", "Age band"), ("country", "Reporter country"),
                      ("reporter", "Reporter"))


def demographics(frame: pd.DataFrame, cap: str, synthetic: bool, title: str = "Who the cases are",
                 top: int = 12) -> go.Figure:
    """Sex, age band, reporter country and reporter type side by side: one figure, four panels."""
    traces, most = [], 0
    for i, (dim, _) in enumerate(DEMOGRAPHIC_PANELS, start=1):
        part = frame[frame["dimension"] == dim].head(top)
        axis = "" if i == 1 else str(i)
        traces.append({"type": "bar", "x": part["value"], "y": part["n_cases"], "marker": {"color": SERIOUS},
                       "showlegend": False, "xaxis": f"x{axis}", "yaxis": f"y{axis}"})
        most = max(most, int(part["n_cases"].max()) if len(part) else 0)
    layout = {k: (dict(v) if isinstance(v, dict) else v) for k, v in _panels_layout().items()}
    layout["yaxis"] = {**layout["yaxis"], "title": {"text": "Cases"}}
    if most <= 10:
        for name in [k for k in layout if k.startswith("yaxis")]:
            layout[name] = {**layout[name], "dtick": 1, "tick0": 0}
    return _figure(traces, layout, title, cap, synthetic)


@cache
def _panels_layout() -> dict:
    """The axes and panel titles of the demographics' one-row grid, laid out once by ``make_subplots`` (which costs
    more than the rest of the chart) and reused as a plain dict."""
    grid = make_subplots(rows=1, cols=len(DEMOGRAPHIC_PANELS), subplot_titles=[t for _, t in DEMOGRAPHIC_PANELS],
                         horizontal_spacing=0.06).layout.to_plotly_json()
    grid.pop("template", None)
    return grid


def forest(frame: pd.DataFrame, cap: str, synthetic: bool, measure: str = "ror",
           title: str = "Disproportionality by preferred term") -> go.Figure:
    """Forest plot of ROR or PRR with 95% CI per PT (undefined measures are listed, not drawn)."""
    rows = frame.dropna(subset=[measure]).copy()
    lo = rows[f"{measure}_ci"].map(lambda ci: ci[0])
    hi = rows[f"{measure}_ci"].map(lambda ci: ci[1])
    labels = [f"{p} (a={a})" for p, a in zip(rows["pt"], rows["a"], strict=True)]
    missing = sorted(set(frame["pt"]) - set(rows["pt"]))
    if missing:
        cap = f"{cap} Not drawn (a zero cell leaves the measure undefined): {', '.join(missing)}."
    return _figure(
        [{"type": "scatter", "x": rows[measure], "y": labels, "mode": "markers",
          "marker": {"color": SERIOUS, "size": 9, "symbol": "square"},
          "error_x": {"type": "data", "symmetric": False, "array": hi - rows[measure],
                      "arrayminus": rows[measure] - lo, "color": "#444"}}],
        {"shapes": [{"type": "line", "x0": 1, "x1": 1, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                     "line": {"color": "#888", "dash": "dot"}}],  # what fig.add_vline(x=1) draws
         "xaxis": {"type": "log", "title": {"text": f"{measure.upper()} (95% CI, log scale)"}}, "yaxis": {}},
        title, cap, synthetic)


def onset_histogram(days: pd.Series, cap: str, synthetic: bool, title: str = "Time to onset") -> go.Figure:
    """Histogram of days from the exposure drug's start to the event."""
    days = pd.Series(days).astype(int)
    counts = days.value_counts().sort_index()
    return _figure(
        [{"type": "bar", "x": counts.index, "y": counts.values, "width": 0.9, "marker": {"color": SERIOUS}}],
        {"xaxis": _axis("Days from injection (therapy start) to event", range=[-1, max(int(days.max()) + 1, 7)]),
         "yaxis": _axis("Cases", bool(len(counts)) and counts.max() <= 10)}, title, cap, synthetic)

"""Download buttons that name what they download: charts at journal sizes, tables as CSV and XLSX."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explorer.report import charts, export

SIZES = ((charts.SINGLE_COLUMN_IN, "single column, 3.5 in"), (charts.DOUBLE_COLUMN_IN, "double column, 7 in"))
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "csv": "text/csv",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def slug(text: str) -> str:
    """A file name from a title."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "export"


def chart(fig: go.Figure, name: str, key: str) -> None:
    """The caption under a chart, then a popover of its files: PNG (300 dpi), SVG and PDF, each at single- and
    double-column width, with the caption and data-source label on the canvas.

    The popover's files are drawn when it is opened (a rerun, served from the cache): closed, it is one button, not
    the 17 elements every filter change would send and redraw for each chart.
    """
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    if meta.get("caption"):
        st.caption(meta["caption"])
    files = st.popover(f"Download chart: {name}", on_change="rerun", key=f"{key}-files")
    if not files.open:
        return
    with files:
        for width, label in SIZES:
            st.markdown(f"**{label}**")
            cols = st.columns(3)
            for col, fmt in zip(cols, ("png", "svg", "pdf"), strict=True):
                what = "PNG 300 dpi" if fmt == "png" else f"{fmt.upper()} (vector)"
                def render(fmt: str = fmt, width: float = width) -> bytes:
                    return export.figure_bytes(fig, fmt, width)

                col.download_button(
                    what, data=render,
                    file_name=f"{slug(name)}-{'single' if width < 5 else 'double'}.{fmt}", mime=MIME[fmt],
                    key=f"{key}-{fmt}-{width}", on_click="ignore", help=f"{name}, {label}")


def table(frame: pd.DataFrame, name: str, cap: str, synthetic: bool, key: str) -> None:
    """CSV and XLSX of a table, each button naming the table; the files carry the caption and synthetic notice."""
    row = st.container(horizontal=True)  # one flex row, not three column blocks: fewer elements to redraw per rerun
    row.download_button(f"CSV: {name}", data=lambda: export.csv_bytes(frame, cap, synthetic),
                       file_name=f"{slug(name)}.csv", mime=MIME["csv"], key=f"{key}-csv", on_click="ignore")
    row.download_button(f"XLSX: {name}", data=lambda: export.xlsx_bytes(frame, cap, synthetic),
                       file_name=f"{slug(name)}.xlsx", mime=MIME["xlsx"], key=f"{key}-xlsx", on_click="ignore")

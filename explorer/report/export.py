"""Exports: charts as PNG (300 dpi), SVG and PDF through kaleido and the system Chromium; tables as CSV and XLSX.

Exports of synthetic data say so: in the chart's title and caption, on the first line of a CSV, and on the first
sheet of an XLSX workbook.
"""

from __future__ import annotations

import contextlib
import io
import struct
import threading
import warnings
import zlib

import pandas as pd
import plotly.graph_objects as go

from explorer.constants import SYNTHETIC_NOTICE
from explorer.report import charts

DPI_SCALE = 300 / 96  # plotly lays out at 96 px per inch; this scale gives 300 dpi at the same physical size
_LOCK = threading.Lock()
_server_started = False


def _ensure_server() -> None:
    global _server_started
    if not _server_started:
        import kaleido

        # already running, or an older kaleido: exports then start a browser each
        with contextlib.suppress(Exception):
            kaleido.start_sync_server(silence_warnings=True)
        _server_started = True


def figure_bytes(fig: go.Figure, fmt: str, width_in: float = charts.DOUBLE_COLUMN_IN) -> bytes:
    """PNG (300 dpi), SVG or PDF bytes of a figure laid out for print at ``width_in`` inches (3.5 single column,
    7 double), with its title, caption and synthetic label on the canvas (:func:`explorer.report.charts.for_print`).
    """
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"unknown image format {fmt!r}")
    printed, width, height = charts.for_print(fig, width_in)
    with _LOCK, warnings.catch_warnings():  # one Chromium at a time
        warnings.simplefilter("ignore")
        _ensure_server()
        scale = DPI_SCALE if fmt == "png" else 1
        data = printed.to_image(format=fmt, width=width, height=height, scale=scale)
    return with_png_dpi(data, 300) if fmt == "png" else data


def with_png_dpi(png: bytes, dpi: int) -> bytes:
    """Insert (or replace) the PNG pHYs chunk so that viewers and journals read the image as ``dpi``."""
    ppm = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", ppm, ppm, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    out, pos = [png[:8]], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        end = pos + 12 + length
        if kind == b"IDAT" and chunk:
            out.append(chunk)
            chunk = b""
        if kind != b"pHYs":
            out.append(png[pos:end])
        pos = end
    return b"".join(out)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells a file can hold: lists and dicts as text, dates without a 00:00:00 time."""
    clean = frame.copy()
    for col in clean.columns:
        if clean[col].map(lambda v: isinstance(v, (list, dict, tuple))).any():
            clean[col] = clean[col].map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v))
        elif pd.api.types.is_datetime64_any_dtype(clean[col]):
            times = clean[col].dropna()
            if len(times) == 0 or (times == times.dt.normalize()).all():
                clean[col] = clean[col].dt.date
    return clean


def csv_bytes(frame: pd.DataFrame, caption: str, synthetic: bool, decimals: int = 4) -> bytes:
    """CSV with the caption (and the synthetic notice) as leading comment lines; floats to ``decimals`` places."""
    head = (f"# {SYNTHETIC_NOTICE}\n" if synthetic else "") + f"# {caption}\n"
    clean = _plain(frame)
    floats = clean.select_dtypes("float").columns
    clean[floats] = clean[floats].round(decimals)
    return (head + clean.to_csv(index=False)).encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, caption: str, synthetic: bool, sheet: str = "data") -> bytes:
    """An XLSX workbook: a 'notes' sheet with the caption (and the synthetic notice), then the data with its header
    frozen, columns as wide as their content (at most 60 characters), whole numbers with thousands separators and
    other numbers to two decimals (the stored values keep full precision)."""
    from openpyxl.styles import Alignment, Font

    buf = io.BytesIO()
    notes = pd.DataFrame({"notes": ([SYNTHETIC_NOTICE.upper()] if synthetic else []) + [caption]})
    clean = _plain(frame)
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        notes.to_excel(xl, sheet_name="notes", index=False)
        clean.to_excel(xl, sheet_name=sheet[:31], index=False)
        ws_notes = xl.sheets["notes"]
        ws_notes.column_dimensions["A"].width = 120
        for row in ws_notes.iter_rows(min_row=2):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")
        if synthetic:
            ws_notes["A2"].font = Font(bold=True, color="C00000")
        ws = xl.sheets[sheet[:31]]
        ws.freeze_panes = "A2"
        for i, col in enumerate(clean.columns, start=1):
            letter = ws.cell(row=1, column=i).column_letter
            values = clean[col].astype(str).str.len()
            ws.column_dimensions[letter].width = min(max(len(str(col)), int(values.max() if len(values) else 0)) + 2,
                                                     60)
            kind = ("int" if pd.api.types.is_integer_dtype(clean[col]) else
                    "float" if pd.api.types.is_float_dtype(clean[col]) else "")
            if kind:
                for cell in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell[0].number_format = "#,##0" if kind == "int" else "0.00"
    return buf.getvalue()

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

SYNTHETIC = "synthetic demo data — not FDA data"
WIDTH_PX, HEIGHT_PX = 900, 600
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


def figure_bytes(fig: go.Figure, fmt: str) -> bytes:
    """PNG (300 dpi), SVG or PDF bytes of a figure."""
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"unknown image format {fmt!r}")
    with _LOCK, warnings.catch_warnings():  # one Chromium at a time
        warnings.simplefilter("ignore")
        _ensure_server()
        scale = DPI_SCALE if fmt == "png" else 1
        data = fig.to_image(format=fmt, width=WIDTH_PX, height=HEIGHT_PX, scale=scale)
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


def csv_bytes(frame: pd.DataFrame, caption: str, synthetic: bool) -> bytes:
    """CSV with the caption (and the synthetic notice) as leading comment lines."""
    head = (f"# {SYNTHETIC}\n" if synthetic else "") + f"# {caption}\n"
    return (head + frame.to_csv(index=False)).encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, caption: str, synthetic: bool, sheet: str = "data") -> bytes:
    """An XLSX workbook: a 'notes' sheet with the caption (and the synthetic notice), then the data."""
    buf = io.BytesIO()
    notes = pd.DataFrame({"notes": ([SYNTHETIC.upper()] if synthetic else []) + [caption]})
    clean = frame.copy()
    for col in clean.columns:  # lists and dicts are not cell values
        if clean[col].map(lambda v: isinstance(v, (list, dict, tuple))).any():
            clean[col] = clean[col].map(str)
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        notes.to_excel(xl, sheet_name="notes", index=False)
        clean.to_excel(xl, sheet_name=sheet[:31], index=False)
    return buf.getvalue()

"""Numbers as the pages show them: rounded to what they can bear, never "None" or "nan"."""

from __future__ import annotations

import math

import pandas as pd

UNDEFINED = "not defined"
LEVELS = {"prr": "95% CI", "ror": "95% CI", "ic": "95% credibility interval (IC025–IC975)",
          "ebgm": "90% credibility interval (EB05–EB95)"}


def missing(x) -> bool:
    """None, NaN and infinities."""
    return x is None or (isinstance(x, float) and not math.isfinite(x)) or (x is pd.NA)


def num(x, undefined: str = UNDEFINED) -> str:
    """A ratio or statistic: 2 decimals below 10, 1 below 100, none above (811, 94.3, 3.45)."""
    if missing(x):
        return undefined
    x = float(x)
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def count(x) -> str:
    """A case count with thousands separators."""
    return UNDEFINED if missing(x) else f"{int(x):,}"


def interval(lo, hi) -> str:
    """'94–6,982', or 'not defined' when an end is."""
    if missing(lo) or missing(hi):
        return UNDEFINED
    return f"{num(lo)}–{num(hi)}"


def rounded(frame: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """A copy for display: floats rounded (NaN stays empty in st.dataframe)."""
    out = frame.copy()
    floats = out.select_dtypes("float").columns
    out[floats] = out[floats].round(decimals)
    return out

"""FAERS code lists (from FDA's ASC_NTS.pdf): one home for what each code means, for the CLI, the app and reports."""

from __future__ import annotations

import pandas as pd

CODES: dict[str, dict[str, str]] = {
    "role_cod": {"PS": "Primary suspect", "SS": "Secondary suspect", "C": "Concomitant", "I": "Interacting",
                 "DN": "Drug not administered"},
    "outc_cod": {"DE": "Death", "LT": "Life-threatening", "HO": "Hospitalization", "DS": "Disability",
                 "CA": "Congenital anomaly", "RI": "Required intervention", "OT": "Other serious"},
    "rept_cod": {"EXP": "Expedited (15-day)", "PER": "Periodic", "DIR": "Direct", "5DAY": "5-day",
                 "30DAY": "30-day"},
    "occp_cod": {"MD": "Physician", "PH": "Pharmacist", "OT": "Other health professional", "HP": "Health professional",
                 "CN": "Consumer", "LW": "Lawyer"},
    "rpsr_cod": {"FGN": "Foreign", "SDY": "Study", "LIT": "Literature", "CSM": "Consumer", "HP": "Health professional",
                 "UF": "User facility", "CR": "Company representative", "DT": "Distributor", "OTH": "Other"},
    "dechal": {"Y": "Positive", "N": "Negative", "U": "Unknown", "D": "Does not apply"},
    "rechal": {"Y": "Positive", "N": "Negative", "U": "Unknown", "D": "Does not apply"},
    "sex": {"F": "Female", "M": "Male", "UNK": "Unknown"},
}
# the codes a filter or an option accepts, in the order FDA lists them
ROLES = tuple(CODES["role_cod"])
OUTCOMES = tuple(CODES["outc_cod"])
REPORT_TYPES = tuple(CODES["rept_cod"])
REPORTERS = tuple(CODES["occp_cod"])
SEXES = ("F", "M")  # UNK means "not reported": not a value to filter on

# the same lists under the names the queries give these columns
ALIASES = {"outcome": "outc_cod", "reporter": "occp_cod", "report_type": "rept_cod", "report_source": "rpsr_cod"}


def meaning(kind: str, code: str | None) -> str:
    """'PS — Primary suspect' for a known code, the code itself otherwise ('' for missing)."""
    if code is None or (isinstance(code, float) and code != code):
        return ""
    table = CODES.get(ALIASES.get(kind, kind), {})
    text = str(code)
    return f"{text} — {table[text.upper()]}" if text.upper() in table else text


def label(kind: str, code: str) -> str:
    """The meaning alone ('Primary suspect'), or the code when unknown."""
    return CODES.get(ALIASES.get(kind, kind), {}).get(str(code).upper(), str(code))


def decode_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every column named after a code list decoded ('PS — Primary suspect')."""
    out = frame.copy()
    for col in out.columns:
        kind = ALIASES.get(col, col)
        if kind in CODES:
            out[col] = out[col].map(lambda v, k=kind: meaning(k, v))
    return out

"""The Signals page's tables, as plain functions of a signal (no Streamlit): the labelled 2x2 with margins, the
measures with their interval levels, the export row with the cells, and the cautions."""

from __future__ import annotations

import pandas as pd

from explorer.app import fmt


def cells_table(r: dict, exposure: str, event: str, reference: str) -> pd.DataFrame:
    """The 2x2 with its cells named a, b, c, d, the margins and the total."""
    a, b, c, d = r["a"], r["b"], r["c"], r["d"]
    return pd.DataFrame({
        "": [f"Exposed: {exposure}", f"Reference: {reference}", "Total"],
        f"With the event ({event})": [f"a = {a:,}", f"c = {c:,}", f"a + c = {a + c:,}"],
        "Without the event": [f"b = {b:,}", f"d = {d:,}", f"b + d = {b + d:,}"],
        "Total": [f"a + b = {a + b:,}", f"c + d = {c + d:,}", f"N = {a + b + c + d:,}"],
    }).set_index("")


def measures_table(r: dict) -> pd.DataFrame:
    """Every measure with its estimate and its interval, the interval's level named."""
    rows = [
        ("Expected a (under independence)", fmt.num(r["expected"]), "", ""),
        ("PRR (proportional reporting ratio)", fmt.num(r["prr"]), fmt.interval(*r["prr_ci"]), "95% CI"),
        ("ROR (reporting odds ratio)", fmt.num(r["ror"]), fmt.interval(*r["ror_ci"]), "95% CI"),
        ("IC (information component, log2)", fmt.num(r["ic"]), fmt.interval(r["ic025"], r["ic975"]),
         "95% credibility (IC025–IC975)"),
        ("EBGM (empirical Bayes geometric mean)", fmt.num(r.get("ebgm")), fmt.interval(r.get("eb05"), r.get("eb95")),
         "90% credibility (EB05–EB95)"),
        ("χ² (Yates-corrected, 1 df)", fmt.num(r.get("chi2_yates")), "", ""),
    ]
    return pd.DataFrame(rows, columns=["measure", "estimate", "interval", "interval level"])


def export_row(r: dict, sel) -> pd.DataFrame:
    """One row for the disproportionality CSV/XLSX: the selection, the cells a-d and every measure, levels named."""
    return pd.DataFrame([{
        "exposure": sel.exposure.title, "event": sel.event.title,
        "reference": sel.comparator.title if sel.comparator else "all other cases",
        "a": r["a"], "b": r["b"], "c": r["c"], "d": r["d"], "n": r["a"] + r["b"] + r["c"] + r["d"],
        "expected_a": r["expected"], "prr": r["prr"], "prr_lower_95": r["prr_ci"][0], "prr_upper_95": r["prr_ci"][1],
        "ror": r["ror"], "ror_lower_95": r["ror_ci"][0], "ror_upper_95": r["ror_ci"][1], "ic": r["ic"],
        "ic025_95": r["ic025"], "ic975_95": r["ic975"], "ebgm": r.get("ebgm"), "eb05_90": r.get("eb05"),
        "eb95_90": r.get("eb95"), "chi2_yates": r.get("chi2_yates"),
    }])


def cautions(r: dict) -> list[str]:
    """What a reader must know before quoting these numbers."""
    out = []
    small = [f"{k} = {r[k]}" for k in ("a", "c") if r[k] < 3]
    if small:
        out.append(f"Few cases ({', '.join(small)}): with fewer than 3 cases in a cell, PRR and ROR and their "
                   "intervals rest on one or two reports and can change by an order of magnitude with one more; "
                   "read IC and EBGM, which shrink small counts, beside them.")
    lo, hi = r["prr_ci"]
    if not fmt.missing(lo) and not fmt.missing(hi) and lo > 0 and hi / lo > 20:
        out.append(f"The PRR's 95% CI spans more than a factor of 20 ({fmt.interval(lo, hi)}): the estimate is "
                   "imprecise.")
    if any(r[k] == 0 for k in ("a", "b", "c", "d")):
        out.append("A zero cell leaves PRR and ROR undefined (division by zero); IC and EBGM remain defined.")
    return out

"""The words beside a time-to-onset histogram, computed from the same onsets (no Streamlit)."""

from __future__ import annotations

import math

import numpy as np


def describe(days, n_selected: int, res: dict) -> list[str]:
    """Sentences that agree with the histogram: the denominator, how many onsets fall early, and the Weibull shape.

    Args:
        days: onset in whole days per case with a computable onset.
        n_selected: cases of the selection (the denominator).
        res: :func:`explorer.onset.summarize` of the same days.
    """
    d = np.asarray(list(days), dtype=float)
    n = len(d)
    out = [f"{n:,} of {n_selected:,} cases of the selection have a full event date and a full start date of the "
           "exposure drug (event on or after the start), so an onset can be computed; the others are not shown."]
    if n == 0:
        return out
    within = {k: int((d <= k).sum()) for k in (0, 1, 3, 7, 30)}
    out.append(f"Median {res['median']:.0f} days (IQR {res['q1']:.0f}–{res['q3']:.0f}). "
               f"{within[0]} of {n} on the day of the injection, {within[1]} within 1 day, {within[3]} within 3 days, "
               f"{within[7]} within 7 days, {within[30]} within 30 days.")
    early = within[3] / n
    k, lo, hi = res.get("shape"), res.get("shape_lower"), res.get("shape_upper")
    if k is None or (isinstance(k, float) and math.isnan(k)):
        fit = "Too few distinct onsets for a Weibull fit (it needs at least 3, not all equal)."
    else:
        ci = ("95% CI not defined" if any(x is None or math.isnan(x) for x in (lo, hi))
              else f"95% CI {lo:.2f}–{hi:.2f}")
        if hi is not None and not math.isnan(hi) and hi < 1:
            fit = f"Weibull shape {k:.2f} ({ci}): below 1, the hazard falls with time — onsets cluster early."
        elif lo is not None and not math.isnan(lo) and lo > 1:
            fit = f"Weibull shape {k:.2f} ({ci}): above 1, the hazard rises with time — onsets come late."
        else:
            fit = (f"Weibull shape {k:.2f} ({ci}): the interval includes 1, so the fit alone cannot tell a falling "
                   "hazard from a constant one")
            fit += (f"; still, {within[3]} of {n} onsets ({early:.0%}) fall within 3 days." if early >= 0.5
                    else ".")
    out.append(fit)
    return out

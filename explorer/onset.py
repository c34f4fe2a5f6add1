"""Time to onset: summary and the Weibull shape parameter with its 95% profile-likelihood interval.

Onset is counted in whole days from the exposure drug's start to the event (both full dates). An event on the day
of the injection has onset 0; for the Weibull fit each onset d is taken as d + 0.5 days (the middle of the day it
fell in), because the distribution needs positive times. A shape below 1 means the hazard falls with time (events
cluster soon after exposure); above 1, it rises.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

CHI2_1_95 = 3.841458820694124


def _profile_loglik(k: float, t: np.ndarray, log_t: np.ndarray) -> float:
    n = len(t)
    s = np.sum(t ** k)
    return n * math.log(k) - n * math.log(s / n) + (k - 1) * float(np.sum(log_t)) - n


def weibull_shape(days: ArrayLike) -> dict[str, float]:
    """Maximum-likelihood Weibull shape and scale (days) with a 95% profile-likelihood interval for the shape.

    Returns NaN values for fewer than 3 onsets or when all onsets are equal.
    """
    t = np.asarray(days, dtype=float) + 0.5
    nan = {"shape": math.nan, "shape_lower": math.nan, "shape_upper": math.nan, "scale_days": math.nan}
    if len(t) < 3 or np.all(t == t[0]):
        return nan
    log_t = np.log(t)

    def score(k: float) -> float:  # derivative of the profile log-likelihood; zero at the MLE
        w = t ** k
        return 1 / k + np.mean(log_t) - np.sum(w * log_t) / np.sum(w)

    lo, hi = 1e-3, 1.0
    while score(hi) > 0 and hi < 1e3:
        hi *= 2
    k = optimize.brentq(score, lo, hi)
    best = _profile_loglik(k, t, log_t)

    def gap(x: float) -> float:
        return 2 * (best - _profile_loglik(x, t, log_t)) - CHI2_1_95

    lower = optimize.brentq(gap, 1e-4, k) if gap(1e-4) > 0 else math.nan
    upper_end = k * 2
    while gap(upper_end) < 0 and upper_end < 1e4:
        upper_end *= 2
    upper = optimize.brentq(gap, k, upper_end) if gap(upper_end) > 0 else math.nan
    scale = float(np.mean(t ** k) ** (1 / k))
    return {"shape": float(k), "shape_lower": float(lower), "shape_upper": float(upper), "scale_days": scale}


def summarize(days: Iterable[float]) -> dict:
    """Number of cases with a computable onset, median and quartiles (days), share within 0-2 days, Weibull fit."""
    d = np.asarray(list(days), dtype=float)
    if len(d) == 0:
        return {"n": 0, "median": math.nan, "q1": math.nan, "q3": math.nan, "within_2_days": math.nan,
                **weibull_shape(d)}
    return {"n": int(len(d)), "median": float(np.median(d)), "q1": float(np.percentile(d, 25)),
            "q3": float(np.percentile(d, 75)), "within_2_days": float(np.mean(d <= 2)), **weibull_shape(d)}


def compare(days: Iterable[float], other_days: Iterable[float]) -> dict:
    """Two onset distributions compared: two-sample Kolmogorov-Smirnov and k-sample Anderson-Darling (scipy).

    KS: the largest gap between the two empirical distribution functions, p-value exact for small samples and
    asymptotic otherwise (``scipy.stats.ks_2samp``, two-sided); onsets are whole days, and with ties the test is
    conservative. Anderson-Darling (Scholz and Stephens 1987, ``scipy.stats.anderson_ksamp``, midrank version for
    ties) weighs the tails more; scipy interpolates its p-value in a table and caps it to [0.001, 0.25], which
    ``ad_pvalue_bounded`` says.

    Returns:
        ``n``, ``other_n``, ``median``, ``other_median``, ``ks_statistic``, ``ks_pvalue``, ``ad_statistic``,
        ``ad_pvalue``, ``ad_pvalue_bounded`` (NaN values when either sample has fewer than 2 onsets).
    """
    import warnings

    from scipy import stats as st

    x = np.asarray(list(days), dtype=float)
    y = np.asarray(list(other_days), dtype=float)
    out = {"n": int(len(x)), "other_n": int(len(y)),
           "median": float(np.median(x)) if len(x) else math.nan,
           "other_median": float(np.median(y)) if len(y) else math.nan,
           "ks_statistic": math.nan, "ks_pvalue": math.nan, "ad_statistic": math.nan, "ad_pvalue": math.nan,
           "ad_pvalue_bounded": False}
    if len(x) < 2 or len(y) < 2:
        return out
    ks = st.ks_2samp(x, y)
    out["ks_statistic"], out["ks_pvalue"] = float(ks.statistic), float(ks.pvalue)
    if len(np.unique(np.r_[x, y])) > 1:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ad = st.anderson_ksamp([x, y], variant="midrank")
        out["ad_statistic"] = float(ad.statistic)
        out["ad_pvalue"] = float(ad.pvalue)
        out["ad_pvalue_bounded"] = any("capped" in str(w.message) or "floored" in str(w.message) for w in caught)
    return out

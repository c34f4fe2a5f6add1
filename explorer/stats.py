"""Disproportionality from case-based 2x2 cells, vectorised over any number of pairs.

Cells: ``a`` exposed cases with the event, ``b`` exposed without, ``c`` reference cases with the event, ``d``
reference without; ``n = a + b + c + d``; ``expected = (a + b)(a + c) / n``.

Zero cells (documented choice, no silent continuity correction):
- PRR needs a > 0 and c > 0, ROR needs all four cells > 0; otherwise the measure and its interval are NaN.
- IC and EBGM are Bayesian shrinkage estimates, defined for every cell, zeros included.

Disproportionality is hypothesis-generating: it says a pair is reported more often than expected among
spontaneous reports, not that the drug causes the event, and nothing about how often it happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize, special

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Thresholds:
    """Signal thresholds (documented defaults; every one configurable)."""

    prr: float = 2.0  # Evans: PRR >= 2, chi2 >= 4, a >= 3
    chi2: float = 4.0
    min_cases: int = 3
    ror_lower: float = 1.0  # ROR: lower 95% bound > 1
    ic025: float = 0.0  # IC: IC025 > 0
    eb05: float = 2.0  # EBGM: EB05 >= 2 (DuMouchel / FDA practice)


@dataclass(frozen=True)
class Prior:
    """DuMouchel's two-gamma mixture prior for the relative reporting ratio lambda."""

    alpha1: float
    beta1: float
    alpha2: float
    beta2: float
    p: float

    @classmethod
    def default(cls) -> Prior:
        """DuMouchel's (1999) starting values, used when a database has too few pairs to fit."""
        return cls(0.2, 0.1, 2.0, 4.0, 1 / 3)


def _arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=float)


def cells_expected(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike) -> np.ndarray:
    a, b, c, d = map(_arr, (a, b, c, d))
    n = a + b + c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, (a + b) * (a + c) / n, np.nan)


def prr(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike, z: float = Z95) -> dict[str, np.ndarray]:
    """Proportional reporting ratio with its 95% CI, Yates-corrected chi-square, and the Evans criteria."""
    a, b, c, d = map(_arr, (a, b, c, d))
    n = a + b + c + d
    ok = (a > 0) & (c > 0) & (a + b > 0) & (c + d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(ok, (a / (a + b)) / (c / (c + d)), np.nan)
        se = np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
        lower = np.where(ok, np.exp(np.log(value) - z * se), np.nan)
        upper = np.where(ok, np.exp(np.log(value) + z * se), np.nan)
        denom = (a + b) * (c + d) * (a + c) * (b + d)
        chi2 = np.where(denom > 0, n * np.maximum(np.abs(a * d - b * c) - n / 2, 0) ** 2 / denom, np.nan)
    return {"prr": value, "prr_lower": lower, "prr_upper": upper, "chi2_yates": chi2}


def ror(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike, z: float = Z95) -> dict[str, np.ndarray]:
    """Reporting odds ratio with Woolf's 95% CI."""
    a, b, c, d = map(_arr, (a, b, c, d))
    ok = (a > 0) & (b > 0) & (c > 0) & (d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(ok, a * d / (b * c), np.nan)
        se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        return {"ror": value,
                "ror_lower": np.where(ok, np.exp(np.log(value) - z * se), np.nan),
                "ror_upper": np.where(ok, np.exp(np.log(value) + z * se), np.nan)}


def information_component(a: ArrayLike, expected: ArrayLike) -> dict[str, np.ndarray]:
    """IC = log2((a + 0.5) / (E + 0.5)) with its 95% credibility interval from gamma quantiles (Norén 2013)."""
    a, e = _arr(a), _arr(expected)
    shape, rate = a + 0.5, e + 0.5
    # the gamma quantile is gammaincinv(shape, p) / rate; gammaincinv depends on the count only
    return {"ic": np.log2(shape / rate),
            "ic025": np.log2(_gammaincinv_by_count(a, 0.5, 0.025) / rate),
            "ic975": np.log2(_gammaincinv_by_count(a, 0.5, 0.975) / rate)}


def _log_nb(n: np.ndarray, e: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """log P(N = n) under a negative binomial: the marginal of Poisson(lambda * E) with lambda ~ Gamma(alpha, beta)."""
    return (special.gammaln(alpha + n) - special.gammaln(alpha) - special.gammaln(n + 1)
            - alpha * np.log1p(e / beta) + n * np.log(e / (beta + e)))


def _log_p0(e: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """log P(N = 0) = alpha * log(beta / (beta + E)), accurate when E is tiny."""
    return -alpha * np.log1p(e / beta)


def _posterior_weight(n: np.ndarray, e: np.ndarray, prior: Prior) -> np.ndarray:
    l1 = np.log(prior.p) + _log_nb(n, e, prior.alpha1, prior.beta1)
    l2 = np.log1p(-prior.p) + _log_nb(n, e, prior.alpha2, prior.beta2)
    return np.exp(l1 - np.logaddexp(l1, l2))


def _gammaincinv_by_count(n: np.ndarray, alpha: float, p: float) -> np.ndarray:
    """gammaincinv(alpha + n, p) for every element: computed once per distinct count (counts repeat a lot)."""
    values, index = np.unique(n, return_inverse=True)
    return special.gammaincinv(alpha + values, p)[index]


def ebgm(a: ArrayLike, expected: ArrayLike, prior: Prior) -> dict[str, np.ndarray]:
    """Empirical Bayes geometric mean and its 5th and 95th posterior percentiles (DuMouchel 1999).

    The posterior of lambda is a mixture Q Gamma(alpha1 + a, beta1 + E) + (1 - Q) Gamma(alpha2 + a, beta2 + E);
    EBGM = exp(E[log lambda]); EB05/EB95 are found by bisection on the mixture's distribution function.
    """
    n, e = _arr(a), _arr(expected)
    q = _posterior_weight(n, e, prior)
    a1, b1, a2, b2 = prior.alpha1 + n, prior.beta1 + e, prior.alpha2 + n, prior.beta2 + e
    elog = q * (special.digamma(a1) - np.log(b1)) + (1 - q) * (special.digamma(a2) - np.log(b2))

    def quantile(p: float) -> np.ndarray:
        # The mixture's p-quantile lies between its components' p-quantiles (its CDF is their weighted mean);
        # bisect on log(lambda) inside that bracket, only where the bracket is open.
        tiny = np.finfo(float).tiny  # a component quantile can underflow to 0 (shape << 1, no case)
        q1 = np.maximum(_gammaincinv_by_count(n, prior.alpha1, p) / b1, tiny)
        q2 = np.maximum(_gammaincinv_by_count(n, prior.alpha2, p) / b2, tiny)
        lo, hi = np.log(np.minimum(q1, q2)), np.log(np.maximum(q1, q2))
        # where one component carries (almost) all the posterior weight, its quantile is the answer
        lo, hi = np.where(q > 1 - 1e-12, np.log(q1), lo), np.where(q > 1 - 1e-12, np.log(q1), hi)
        lo, hi = np.where(q < 1e-12, np.log(q2), lo), np.where(q < 1e-12, np.log(q2), hi)
        open_ = np.flatnonzero(hi - lo > 1e-9)
        lo_o, hi_o = lo[open_], hi[open_]
        qo, a1o, b1o, a2o, b2o = q[open_], a1[open_], b1[open_], a2[open_], b2[open_]
        # Newton's method on log(lambda), kept inside the bracket (bisection step when it would leave it)
        c1 = a1o * np.log(b1o) - special.gammaln(a1o)
        c2 = a2o * np.log(b2o) - special.gammaln(a2o)
        # start from the components' quantiles weighted by their posterior weights: close to the root, so that
        # Newton needs few steps
        x = np.clip(qo * np.log(q1[open_]) + (1 - qo) * np.log(q2[open_]), lo_o, hi_o)
        act = np.arange(len(x))  # elements still iterating
        for _ in range(50):
            xa, la, ha = x[act], lo_o[act], hi_o[act]
            qa, a1a, b1a, a2a, b2a = qo[act], a1o[act], b1o[act], a2o[act], b2o[act]
            lam = np.exp(xa)
            f = qa * special.gammainc(a1a, b1a * lam) + (1 - qa) * special.gammainc(a2a, b2a * lam) - p
            la = np.where(f < 0, xa, la)
            ha = np.where(f > 0, xa, ha)
            slope = qa * np.exp(c1[act] + a1a * xa - b1a * lam) + (1 - qa) * np.exp(c2[act] + a2a * xa - b2a * lam)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                nxt = xa - f / slope
            bad = ~np.isfinite(nxt) | (nxt <= la) | (nxt >= ha)
            nxt = np.where(bad, (la + ha) / 2, nxt)
            nxt = np.where(np.abs(f) <= 1e-13, xa, nxt)  # at the root already: stay
            x[act], lo_o[act], hi_o[act] = nxt, la, ha
            # done when the step or the bracket is below 1e-10 in log(lambda), or the CDF is within 1e-13 of p
            still = (np.abs(nxt - xa) > 1e-10) & (ha - la > 1e-10) & (np.abs(f) > 1e-13)
            act = act[still]
            if not len(act):
                break
        out = np.exp((lo + hi) / 2)
        out[open_] = np.exp(x)
        return out

    return {"ebgm": np.exp(elog), "eb05": quantile(0.05), "eb95": quantile(0.95)}


def squash(a: ArrayLike, expected: ArrayLike, bin_size: int = 20, keep_pts: int = 100, min_pts: int = 500,
           keep_count: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Data squashing for the prior fit that keeps the extreme points (DuMouchel et al. 2001; as openEBGM's
    ``squashData``).

    Pairs are grouped by their count N. A count is squashed only when it holds at least ``min_pts`` pairs and
    N < ``keep_count``; then its ``keep_pts`` pairs with the smallest and its ``keep_pts`` pairs with the largest
    expected count E stay single points, and only the dense middle is binned: ``bin_size`` neighbouring E values
    (sorted) become one point with their mean E and a weight equal to their number. Every other pair is returned
    as itself with weight 1, so that where nothing is squashed the fit sees exactly the data.

    Returns:
        (N, E, weight) of the squashed points; the weights sum to the number of pairs.
    """
    n, e = _arr(a), _arr(expected)
    order = np.lexsort((e, n))
    n, e = n[order], e[order]
    out_n, out_e, out_w = [], [], []
    starts = np.flatnonzero(np.r_[True, n[1:] != n[:-1]]) if len(n) else np.array([], dtype=int)
    ends = np.r_[starts[1:], len(n)]
    for s, t in zip(starts, ends, strict=True):
        m = t - s
        if m < max(min_pts, 2 * keep_pts + bin_size) or n[s] >= keep_count:
            out_n.append(n[s:t])
            out_e.append(e[s:t])
            out_w.append(np.ones(m))
            continue
        lo, hi = s + keep_pts, t - keep_pts  # the middle [lo, hi) is binned; both tails stay as they are
        edges = np.arange(lo, hi, bin_size)
        sums = np.add.reduceat(e[lo:hi], edges - lo)
        sizes = np.diff(np.r_[edges, hi]).astype(float)
        out_n.append(np.r_[n[s:lo], np.full(len(edges), n[s]), n[hi:t]])
        out_e.append(np.r_[e[s:lo], sums / sizes, e[hi:t]])
        out_w.append(np.r_[np.ones(keep_pts), sizes, np.ones(keep_pts)])
    if not out_n:
        return np.array([]), np.array([]), np.array([])
    return np.concatenate(out_n), np.concatenate(out_e), np.concatenate(out_w)


# Starting points (alpha1, beta1, alpha2, beta2, p) of the prior fit: DuMouchel's (1999) and four spread around it.
FIT_STARTS = ((0.2, 0.1, 2.0, 4.0, 1 / 3), (0.2, 0.06, 1.4, 1.8, 0.1), (0.1, 0.1, 10.0, 10.0, 0.2),
              (0.5, 0.5, 5.0, 5.0, 0.5), (0.05, 0.05, 1.0, 1.0, 0.01))

# Nelder-Mead's budget from DuMouchel's start: L-BFGS-B polishes where it stops. On the demo database's stratified
# expected counts 4,000 iterations took 54 s without converging, and the best optimum came from another start.
NM_MAXITER = 600


def fit_prior(a: ArrayLike, expected: ArrayLike, squashed: bool = True) -> tuple[Prior, dict]:
    """Fit DuMouchel's prior by maximum likelihood over all pairs with at least one case.

    The likelihood is the two-component negative binomial mixture truncated at zero as a whole (pairs with no case
    are not observed: P(n | n >= 1) = mixture(n) / (1 - mixture(0))), evaluated on squashed data (:func:`squash`)
    unless ``squashed`` is False.

    Returns:
        The prior and a report: number of pairs, squashed points, log-likelihood, whether the optimizer converged.
    """
    n, e = _arr(a), _arr(expected)
    keep = (n >= 1) & (e > 0)
    n, e = n[keep], e[keep]
    pairs = int(len(n))
    if pairs < 50:
        return Prior.default(), {"pairs": pairs, "converged": False, "note": "too few pairs: default prior"}
    if squashed:
        n, e, w = squash(n, e)
    else:  # in squash's order (by count, then E), so that where squash changes nothing the sums are the same
        order = np.lexsort((e, n))
        n, e, w = n[order], e[order], np.ones(len(n))

    bounds = [(-10, 10)] * 4 + [(-12, 12)]

    def unpack(x: np.ndarray) -> tuple[float, float, float, float, float]:
        x = np.clip(x, [b[0] for b in bounds], [b[1] for b in bounds])  # the same box for both optimizers
        return np.exp(x[0]), np.exp(x[1]), np.exp(x[2]), np.exp(x[3]), special.expit(x[4])

    def nll(x: np.ndarray) -> float:
        a1, b1, a2, b2, p = unpack(x)
        # P(n | n >= 1) = mixture(n) / (1 - mixture(0)): the mixture, truncated as a whole
        log_mix = np.logaddexp(np.log(p) + _log_nb(n, e, a1, b1), np.log1p(-p) + _log_nb(n, e, a2, b2))
        log_mix0 = np.logaddexp(np.log(p) + _log_p0(e, a1, b1), np.log1p(-p) + _log_p0(e, a2, b2))
        return -np.sum(w * (log_mix - np.log(-np.expm1(log_mix0))))

    # Several starts: the likelihood has local optima (one start alone can end in a prior that puts almost no
    # weight on its first component and so shrinks every pair to 1). The best optimum found is kept.
    # From DuMouchel's start, Nelder-Mead then L-BFGS-B; from the others, L-BFGS-B alone.
    fits = []
    for i, start in enumerate(FIT_STARTS):
        x0 = np.array([np.log(start[0]), np.log(start[1]), np.log(start[2]), np.log(start[3]), special.logit(start[4])])
        if i == 0:
            simplex = optimize.minimize(nll, x0, method="Nelder-Mead",
                                        options={"maxiter": NM_MAXITER, "xatol": 1e-6, "fatol": 1e-6})
            fits.append(simplex)
            x0 = np.clip(simplex.x, [b[0] for b in bounds], [b[1] for b in bounds])
        fits.append(optimize.minimize(nll, x0, method="L-BFGS-B", bounds=bounds))
    best = min(fits, key=lambda f: f.fun)
    a1, b1, a2, b2, p = unpack(best.x)
    at_bound = bool(np.any(np.abs(np.clip(best.x[:4], -10, 10)) >= 9.99))
    agree = sum(1 for f in fits if abs(f.fun - best.fun) <= 1e-6 * max(1.0, abs(best.fun)))
    return Prior(a1, b1, a2, b2, p), {"pairs": pairs, "points": int(len(n)),
                                      "converged": bool(best.success) and not at_bound,
                                      "at_bound": at_bound, "starts": len(fits), "starts_agreeing": agree,
                                      "log_likelihood": float(-best.fun)}


def disproportionality(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike, prior: Prior | None = None,
                       z: float = Z95, thresholds: Thresholds = Thresholds()) -> dict[str, np.ndarray]:
    """Every measure for arrays of cells, plus the signal flags of each method.

    Returns:
        arrays keyed ``a, b, c, d, n, expected, prr, prr_lower, prr_upper, chi2_yates, evans, ror, ror_lower,
        ror_upper, ror_signal, ic, ic025, ic975, ic_signal`` and, with a prior, ``ebgm, eb05, eb95, ebgm_signal``.
    """
    a, b, c, d = map(_arr, (a, b, c, d))
    e = cells_expected(a, b, c, d)
    out = {"a": a, "b": b, "c": c, "d": d, "n": a + b + c + d, "expected": e}
    out.update(prr(a, b, c, d, z))
    with np.errstate(invalid="ignore"):
        out["evans"] = (out["prr"] >= thresholds.prr) & (out["chi2_yates"] >= thresholds.chi2) & (
            a >= thresholds.min_cases)
        out.update(ror(a, b, c, d, z))
        out["ror_signal"] = (out["ror_lower"] > thresholds.ror_lower) & (a >= thresholds.min_cases)
    out.update(information_component(a, np.nan_to_num(e)))
    out["ic_signal"] = out["ic025"] > thresholds.ic025
    if prior is not None:
        out.update(ebgm(a, np.nan_to_num(e), prior))
        out["ebgm_signal"] = out["eb05"] >= thresholds.eb05
    return out


# ---- stratification (Mantel-Haenszel, stratified expected counts) ---------------------------------------------------

def _by_group(values: np.ndarray, group: np.ndarray | None, size: int) -> np.ndarray:
    if group is None:
        return np.array([values.sum()])
    return np.bincount(group, weights=values, minlength=size)


def stratified(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike, group: np.ndarray | None = None,
               z: float = Z95) -> dict[str, np.ndarray]:
    """Mantel-Haenszel ROR with the Robins-Breslow-Greenland variance, and the stratified expected count.

    Each element of ``a, b, c, d`` is one stratum's 2x2; ``group`` (integers 0..k-1) says which pair each stratum
    belongs to (None: every stratum belongs to one pair). Per stratum s with ``n_s = a + b + c + d``:
    ``R_s = a d / n``, ``S_s = b c / n``, ``P_s = (a + d) / n``, ``Q_s = (b + c) / n``;
    ``ROR_MH = sum R / sum S`` and (Robins, Breslow and Greenland 1986; Rothman, Modern Epidemiology)
    ``Var(ln ROR_MH) = sum PR / (2 (sum R)^2) + sum (PS + QR) / (2 sum R sum S) + sum QS / (2 (sum S)^2)``.
    ``expected_stratified = sum over strata of (a + b)(a + c) / n``. Empty strata (n = 0) contribute nothing.

    Returns:
        arrays (one element per pair) ``a, b, c, d`` (summed over strata), ``expected_stratified``, ``ror_mh``,
        ``ror_mh_lower``, ``ror_mh_upper`` (NaN when sum R or sum S is 0), ``n_strata`` (strata with cases).
    """
    a, b, c, d = map(_arr, (a, b, c, d))
    n = a + b + c + d
    size = int(group.max()) + 1 if group is not None and len(group) else 1
    with np.errstate(divide="ignore", invalid="ignore"):
        nz = np.where(n > 0, n, 1.0)
        r, s = a * d / nz, b * c / nz
        p, q = (a + d) / nz, (b + c) / nz
        e = (a + b) * (a + c) / nz
    sr, ss = _by_group(r, group, size), _by_group(s, group, size)
    spr, sqs = _by_group(p * r, group, size), _by_group(q * s, group, size)
    sps_qr = _by_group(p * s + q * r, group, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (sr > 0) & (ss > 0)
        value = np.where(ok, sr / ss, np.nan)
        var = spr / (2 * sr ** 2) + sps_qr / (2 * sr * ss) + sqs / (2 * ss ** 2)
        se = np.sqrt(np.where(ok, var, np.nan))
        lower, upper = np.exp(np.log(value) - z * se), np.exp(np.log(value) + z * se)
    return {"a": _by_group(a, group, size), "b": _by_group(b, group, size), "c": _by_group(c, group, size),
            "d": _by_group(d, group, size), "expected_stratified": _by_group(e, group, size),
            "ror_mh": value, "ror_mh_lower": lower, "ror_mh_upper": upper,
            "n_strata": _by_group((n > 0).astype(float), group, size)}


# ---- multiplicity ------------------------------------------------------------------------------------------------

def chi2_pvalue(chi2: ArrayLike) -> np.ndarray:
    """P-value of the Yates-corrected chi-square test of independence of a 2x2 (1 degree of freedom, two-sided:
    it tests PRR = ROR = 1, the null of both measures)."""
    from scipy import stats as st

    return st.chi2.sf(_arr(chi2), 1)


def ic_pvalue(a: ArrayLike, expected: ArrayLike) -> np.ndarray:
    """One-sided p-value of IC > 0 from the IC's normal approximation.

    The IC's posterior is that of log2(lambda) with lambda ~ Gamma(a + 0.5, E + 0.5) (Norén 2013); its standard
    deviation is sqrt(trigamma(a + 0.5)) / ln 2, so ``z = IC ln 2 / sqrt(trigamma(a + 0.5))`` and ``p = 1 - Phi(z)``.
    """
    from scipy import stats as st

    a, e = _arr(a), _arr(expected)
    ic = np.log2((a + 0.5) / (e + 0.5))
    z = ic * np.log(2) / np.sqrt(special.polygamma(1, a + 0.5))
    return st.norm.sf(z)


def bh_qvalues(p: ArrayLike) -> np.ndarray:
    """Benjamini-Hochberg (1995) q-values: the smallest false discovery rate at which each test is rejected.

    NaN p-values (tests not defined) are left out of the family and get NaN.
    """
    p = _arr(p)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if not m:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return out

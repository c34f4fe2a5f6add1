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
    from collections.abc import Sequence

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


# EB05/EB95 are found to this relative error in lambda (they are shown with at most four significant digits)
QUANTILE_TOL = 1e-9


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
        # start at the quantile of the component with most of the posterior weight: close to the root, and there
        # that component's distribution function is p, so the first step computes only the other one's
        dom1 = qo >= 0.5
        x = np.where(dom1, np.log(q1[open_]), np.log(q2[open_]))
        # |F''/F'| in log(lambda) is at most about the larger shape: after a Newton step of size d the error is
        # below shape * d^2, so a step is final once 10 * shape * d^2 < QUANTILE_TOL (relative error in lambda)
        curvature = 10 * np.maximum(a1o, a2o)
        act = np.arange(len(x))  # elements still iterating
        for i in range(50):
            xa, la, ha = x[act], lo_o[act], hi_o[act]
            qa, a1a, b1a, a2a, b2a = qo[act], a1o[act], b1o[act], a2o[act], b2o[act]
            lam = np.exp(xa)
            if i == 0:
                d = dom1[act]
                g1, g2 = np.full(len(xa), p), np.full(len(xa), p)
                g1[~d] = special.gammainc(a1a[~d], b1a[~d] * lam[~d])
                g2[d] = special.gammainc(a2a[d], b2a[d] * lam[d])
            else:
                g1, g2 = special.gammainc(a1a, b1a * lam), special.gammainc(a2a, b2a * lam)
            f = qa * g1 + (1 - qa) * g2 - p
            la = np.where(f < 0, xa, la)
            ha = np.where(f > 0, xa, ha)
            slope = qa * np.exp(c1[act] + a1a * xa - b1a * lam) + (1 - qa) * np.exp(c2[act] + a2a * xa - b2a * lam)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                nxt = xa - f / slope
            bad = ~np.isfinite(nxt) | (nxt <= la) | (nxt >= ha)
            nxt = np.where(bad, (la + ha) / 2, nxt)
            nxt = np.where(np.abs(f) <= 1e-13, xa, nxt)  # at the root already: stay
            x[act], lo_o[act], hi_o[act] = nxt, la, ha
            # done when a Newton step was small enough to be final, or a bisection step (whose error is its size)
            # or the bracket is below 1e-10 in log(lambda), or the CDF is within 1e-13 of p
            step = np.abs(nxt - xa)
            still = (np.where(bad, step > 1e-10, curvature[act] * step * step > QUANTILE_TOL)
                     & (ha - la > 1e-10) & (np.abs(f) > 1e-13))
            act = act[still]
            if not len(act):
                break
        out = np.exp((lo + hi) / 2)
        out[open_] = np.exp(x)
        return out

    return {"ebgm": np.exp(elog), "eb05": quantile(0.05), "eb95": quantile(0.95)}


def _by_count_then_expected(n: np.ndarray, e: np.ndarray) -> np.ndarray:
    """The order sorting pairs by count, then by expected count (as ``np.lexsort((e, n))``, ties aside, in a third
    of its time: a sort on E, then a stable sort on N)."""
    order = np.argsort(e)
    return order[np.argsort(n[order], kind="stable")]


# Squashing's defaults (:func:`squash`): the width of the bins in log E at N = 1, the pairs kept as themselves at each
# end of a count's E, the pairs a count needs to be squashed.
SQUASH_WIDTH, SQUASH_KEEP_PTS, SQUASH_MIN_PTS = 0.05, 100, 500


def squash(a: ArrayLike, expected: ArrayLike, width: float = SQUASH_WIDTH, keep_pts: int = SQUASH_KEEP_PTS,
           min_pts: int = SQUASH_MIN_PTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Data squashing for the prior fit that keeps the extreme points (the idea of DuMouchel et al. 2001 and of
    openEBGM's ``autoSquash``; bins of equal width in log E here).

    Pairs are grouped by their count N. Every count that holds at least ``min_pts`` pairs (and more than
    ``2 * keep_pts``) is squashed: its ``keep_pts`` pairs with the smallest and its ``keep_pts`` pairs with the
    largest expected count E stay single points, and the dense middle is cut into bins of equal width in log E,
    ``width / sqrt(N)`` wide (counted from the middle's smallest E); each bin becomes one point with the mean E of
    its pairs and a weight equal to their number. Every other pair is returned as itself with weight 1, so that
    where no count reaches ``min_pts`` pairs nothing changes and the fit sees exactly the data.

    Why this width: as a function of u = log E, a component's term of a pair's log-likelihood is
    ``N u - (alpha + N) log(beta + e^u)`` plus terms free of E; ``N u`` does not depend on the prior, so it cannot
    move the fit. Replacing the E of a bin's pairs by their mean E changes the rest, per pair, by about
    ``(alpha + N) (E / (beta + E))^2 var(log E in the bin) / 2`` (second order; the mean of log E is below the log of
    the mean E by var / 2), at most ``(alpha + N) var / 2`` (the truncation term adds one of order alpha), and
    ``var <= width_N^2 / 4`` in a bin ``width_N`` wide. With ``width_N = width / sqrt(N)`` the bound is
    ``(1 + alpha / N) width^2 / 8`` per pair (3e-4 (1 + alpha / N) at the default 0.05): where N dominates alpha, the
    same at every count, where bins of a fixed number of pairs (or one width for every count) let the error grow
    with N, on the counts that carry the signals. At full FAERS scale (4.7 million pairs,
    118,509 points) the fitted prior is within 4e-4 (relative) of the fit before this squashing, and the
    log-likelihood of every pair at it within 0.01 of that at the earlier prior (out of 7.9 million).

    Returns:
        (N, E, weight) of the squashed points, in order of N and of E within each N; the weights sum to the number
        of pairs.
    """
    n, e = _arr(a), _arr(expected)
    order = _by_count_then_expected(n, e)
    return _squash_sorted(n[order], e[order], width, keep_pts, min_pts)


def _squash_sorted(n: np.ndarray, e: np.ndarray, width: float, keep_pts: int,
                   min_pts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`squash` of pairs already in order of N, then E."""
    out_n, out_e, out_w = [], [], []
    starts = np.flatnonzero(np.r_[True, n[1:] != n[:-1]]) if len(n) else np.array([], dtype=int)
    ends = np.r_[starts[1:], len(n)] if len(n) else starts
    for s, t in zip(starts, ends, strict=True):
        m = t - s
        if m < max(min_pts, 2 * keep_pts + 1):
            out_n.append(n[s:t])
            out_e.append(e[s:t])
            out_w.append(np.ones(m))
            continue
        lo, hi = s + keep_pts, t - keep_pts  # the middle [lo, hi) is binned; both tails stay as they are
        log_e = np.log(e[lo:hi])
        key = np.floor((log_e - log_e[0]) / (width / np.sqrt(max(n[s], 1.0))))  # sorted: bins are runs of keys
        edges = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        sums = np.add.reduceat(e[lo:hi], edges)
        sizes = np.diff(np.r_[edges, hi - lo]).astype(float)
        out_n.append(np.r_[n[s:lo], np.full(len(edges), n[s]), n[hi:t]])
        out_e.append(np.r_[e[s:lo], sums / sizes, e[hi:t]])
        out_w.append(np.r_[np.ones(keep_pts), sizes, np.ones(keep_pts)])
    if not out_n:
        return np.array([]), np.array([]), np.array([])
    return np.concatenate(out_n), np.concatenate(out_e), np.concatenate(out_w)


# The box of the optimizer's parameters (log alpha1, log beta1, log alpha2, log beta2, logit p), the same for both
# optimizers (Nelder-Mead's points outside it are clipped to it).
FIT_BOUNDS = ((-10.0, 10.0),) * 4 + ((-12.0, 12.0),)


def _exp(x: np.ndarray) -> np.ndarray:
    """exp, in place, of a temporary array of arguments <= 0, with those below -700 raised to -700: the result changes
    by less than 1e-304, and exp's results below the smallest normal number cost 20 to 100 times as much."""
    np.maximum(x, -700.0, out=x)
    return np.exp(x, out=x)


def _logaddexp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log(exp(x) + exp(y)) = max + log1p(exp(-|x - y|)): numpy's ``logaddexp`` is several times slower, more so
    where the elements differ widely (as the fit's mixture terms do)."""
    out = np.abs(x - y)
    np.negative(out, out=out)
    _exp(out)
    np.log1p(out, out=out)
    out += np.maximum(x, y)
    return out


def _dot(x: np.ndarray, y: np.ndarray) -> float:
    """sum(x * y) without a temporary; einsum rather than np.dot, whose BLAS threads cost more than they save here."""
    return float(np.einsum("i,i->", x, y))


class _MixtureNLL:
    """The prior fit's negative log-likelihood, and its gradient, in x = (log alpha1, log beta1, log alpha2,
    log beta2, logit p), over weighted points (N, E, weight) with N >= 1 and E > 0.

    With ``t_k = log1p(E / beta_k)`` (so that ``log(beta_k + E) = log beta_k + t_k``, shared by both terms), a
    point's terms are ``log NB_k(N) = lgamma(alpha_k + N) - lgamma(alpha_k) - lgamma(N + 1) + N log E
    - N log beta_k - (alpha_k + N) t_k`` and ``log NB_k(0) = -alpha_k t_k``, and it contributes
    ``log(p NB_1(N) + (1 - p) NB_2(N)) - log(1 - p NB_1(0) - (1 - p) NB_2(0))`` (the mixture truncated at zero).
    The parameter-free ``N log E - lgamma(N + 1)`` is summed once; lgamma and digamma of ``alpha_k + N`` are computed
    on the distinct counts only; ``1 - P(0) = -p expm1(-alpha_1 t_1) - (1 - p) expm1(-alpha_2 t_2)``, accurate where
    E is small.

    Gradient, with q_k the posterior weight of component k given N, s_k given N = 0, rho = P(0) / (1 - P(0)) and
    f_k = E / (beta_k + E): d/d log alpha_k = alpha_k (q_k (digamma(alpha_k + N) - digamma(alpha_k) - t_k)
    - rho s_k t_k); d/d log beta_k = q_k ((alpha_k + N) f_k - N) + rho s_k alpha_k f_k;
    d/d logit p = q_1 - p + rho (s_1 - p); each summed with the weights (and negated).

    x outside the box ``bounds`` is clipped (the same box for both optimizers): the value is that at the clipped
    point and the gradient's clipped coordinates are 0.
    """

    def __init__(self, n: np.ndarray, e: np.ndarray, w: np.ndarray,
                 bounds: Sequence[tuple[float, float]] = FIT_BOUNDS, constant: float | None = None) -> None:
        """``constant``: the sum of the parameter-free terms, when it is not to be taken from these points (the fit
        takes it from the pairs themselves, before squashing)."""
        if len(n) and np.all(n[1:] >= n[:-1]):  # in order of N (as the fit's points are): no sort needed
            first = np.r_[True, n[1:] != n[:-1]]
            self.counts, self.index = n[first], np.cumsum(first) - 1
        else:
            self.counts, self.index = np.unique(n, return_inverse=True)
        self.n, self.e, self.w = n, e, w
        self.nw = n * w
        self.w_by_count = np.bincount(self.index, weights=w, minlength=len(self.counts))
        self.w_total = float(np.sum(w))
        self.constant = float(np.sum(w * (n * np.log(e) - special.gammaln(n + 1)))) if constant is None else constant
        self.lower = np.array([b[0] for b in bounds], dtype=float)
        self.upper = np.array([b[1] for b in bounds], dtype=float)

    def unpack(self, x: np.ndarray) -> tuple[float, float, float, float, float]:
        x = np.clip(x, self.lower, self.upper)
        return np.exp(x[0]), np.exp(x[1]), np.exp(x[2]), np.exp(x[3]), special.expit(x[4])

    def _terms(self, x: np.ndarray) -> tuple[float, tuple, tuple]:
        a1, b1, a2, b2, p = self.unpack(x)
        n, counts, index = self.n, self.counts, self.index
        log_p, log_q = np.log(p), np.log1p(-p)
        r1, r2 = self.e / b1, self.e / b2
        t1, t2 = np.log1p(r1), np.log1p(r2)
        # log(weight_k NB_k(N)) less N log E - lgamma(N + 1), its per-count part computed once per distinct count
        l1 = (special.gammaln(a1 + counts) - counts * np.log(b1) + (log_p - special.gammaln(a1)))[index]
        l2 = (special.gammaln(a2 + counts) - counts * np.log(b2) + (log_q - special.gammaln(a2)))[index]
        at1, at2 = a1 * t1, a2 * t2
        l1 -= at1
        l1 -= n * t1
        l2 -= at2
        l2 -= n * t2
        lm = _logaddexp(l1, l2)
        # 1 - P(N = 0) = p (1 - NB_1(0)) + (1 - p) (1 - NB_2(0)): a sum of two positive terms, each accurate from
        # expm1 even where P(0) is near 1 (E small)
        m1, m2 = np.expm1(-at1), np.expm1(-at2)  # NB_k(0) - 1
        one_less_p0 = m1 * -p
        one_less_p0 -= (1 - p) * m2
        value = -(self.constant + _dot(self.w, lm - np.log(one_less_p0)))
        return value, (a1, b1, a2, b2, p), (r1, r2, t1, t2, l1, lm, m1, m2, one_less_p0)

    def value(self, x: np.ndarray) -> float:
        return self._terms(x)[0]

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """The value and its gradient (for ``jac=True``)."""
        value, (a1, b1, a2, b2, p), (r1, r2, t1, t2, l1, lm, m1, m2, one_less_p0) = self._terms(x)
        n, w, counts = self.n, self.w, self.counts
        wq1 = w * _exp(l1 - lm)  # weight times q_1; weight times q_2 is w - wq1
        wq2 = w - wq1
        scale = w / one_less_p0
        m1 += 1  # NB_k(0)
        m2 += 1
        wr1, wr2 = scale * m1, scale * m2  # weight times rho s_k = weight times P_k(0) / (1 - P(0))
        wr1 *= p
        wr2 *= 1 - p
        v1, v2 = 1 / (1 + r1), 1 / (1 + r2)  # beta_k / (beta_k + E)
        f1, f2 = r1 * v1, r2 * v2  # E / (beta_k + E)
        # sum of the weight times q_k times digamma(alpha_k + N): by distinct count
        q1_by_count = np.bincount(self.index, weights=wq1, minlength=len(counts))
        dg1 = special.digamma(a1 + counts) - special.digamma(a1)
        dg2 = special.digamma(a2 + counts) - special.digamma(a2)
        s1, s2 = wq1 + wr1, wq2 + wr2
        nq1 = n * wq1
        nq2 = self.nw - nq1
        sum_q1, sum_r1, sum_r2 = float(np.sum(wq1)), float(np.sum(wr1)), float(np.sum(wr2))
        grad = -np.array([
            a1 * (_dot(q1_by_count, dg1) - _dot(s1, t1)),  # d/d log alpha1
            a1 * _dot(s1, f1) - _dot(nq1, v1),  # d/d log beta1: q1 ((a1 + N) f1 - N) + rho s1 a1 f1
            a2 * (_dot(self.w_by_count - q1_by_count, dg2) - _dot(s2, t2)),
            a2 * _dot(s2, f2) - _dot(nq2, v2),
            sum_q1 - p * self.w_total + sum_r1 - p * (sum_r1 + sum_r2),  # d/d logit p
        ])
        grad[(x < self.lower) | (x > self.upper)] = 0.0  # the value is flat there (clipped)
        return value, grad


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

    The negative log-likelihood and its gradient are analytic (:class:`_MixtureNLL`): Nelder-Mead uses the value,
    L-BFGS-B both.

    Returns:
        The prior and a report: number of pairs, squashed points, the log-likelihood of the pairs (not of the
        squashed points) at the prior, whether the optimizer converged.
    """
    n, e = _arr(a), _arr(expected)
    keep = (n >= 1) & (e > 0)
    n, e = n[keep], e[keep]
    pairs = int(len(n))
    if pairs < 50:
        return Prior.default(), {"pairs": pairs, "converged": False, "note": "too few pairs: default prior"}
    # In order of N, then E: squashing wants it, and the sums are then the same where squashing changes nothing.
    order = _by_count_then_expected(n, e)
    n, e = n[order], e[order]
    # The parameter-free part of the log-likelihood, N log E - lgamma(N + 1), summed over the pairs themselves.
    constant = float(np.sum(n * np.log(e) - special.gammaln(n + 1)))
    if squashed:
        sn, se, sw = _squash_sorted(n, e, SQUASH_WIDTH, SQUASH_KEEP_PTS, SQUASH_MIN_PTS)
    else:
        sn, se, sw = n, e, np.ones(pairs)
    nll = _MixtureNLL(sn, se, sw, FIT_BOUNDS, constant)

    # Several starts: the likelihood has local optima (one start alone can end in a prior that puts almost no
    # weight on its first component and so shrinks every pair to 1). The best optimum found is kept.
    # From DuMouchel's start, Nelder-Mead (on the value) then L-BFGS-B (with the analytic gradient); from the others,
    # L-BFGS-B alone.
    fits = []
    for i, start in enumerate(FIT_STARTS):
        x0 = np.array([np.log(start[0]), np.log(start[1]), np.log(start[2]), np.log(start[3]), special.logit(start[4])])
        if i == 0:
            simplex = optimize.minimize(nll.value, x0, method="Nelder-Mead",
                                        options={"maxiter": NM_MAXITER, "xatol": 1e-6, "fatol": 1e-6})
            fits.append(simplex)
            x0 = np.clip(simplex.x, nll.lower, nll.upper)
        fits.append(optimize.minimize(nll, x0, method="L-BFGS-B", jac=True, bounds=FIT_BOUNDS))
    best = min(fits, key=lambda f: f.fun)
    a1, b1, a2, b2, p = nll.unpack(best.x)
    # the log-likelihood of the pairs at the prior found (on squashed points the fit's own differs from it: there a
    # bin's pairs all have the bin's mean E)
    log_likelihood = -best.fun
    if len(sn) < pairs:
        log_likelihood = -_MixtureNLL(n, e, np.ones(pairs), FIT_BOUNDS, constant).value(best.x)
    at_bound = bool(np.any(np.abs(np.clip(best.x[:4], -10, 10)) >= 9.99))
    agree = sum(1 for f in fits if abs(f.fun - best.fun) <= 1e-6 * max(1.0, abs(best.fun)))
    return Prior(a1, b1, a2, b2, p), {"pairs": pairs, "points": int(len(sn)),
                                      "converged": bool(best.success) and not at_bound,
                                      "at_bound": at_bound, "starts": len(fits), "starts_agreeing": agree,
                                      "log_likelihood": float(log_likelihood)}


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

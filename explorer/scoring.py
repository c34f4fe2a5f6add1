"""The statistics job of a build: every ingredient-PT pair of the store scored, with the EBGM priors fitted for them.

Run after the model is built or updated (``explorer.load``) and after a MedDRA remap (``explorer.meddra.importer``).
It reads the model's pair counts and strata, fits DuMouchel's prior twice (crude and stratified expected counts, with
``explorer.stats``) and writes ``ebgm_prior``, ``ebgm_prior_stratified`` and ``signal_pairs``. Its SQL is
``queries/store/scoring.sql``.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import duckdb
import numpy as np
import pandas as pd

from explorer.stats import Prior, Thresholds, cells_expected, disproportionality, ebgm, fit_prior
from explorer.store.sql import named_steps

SCORING_THREADS = 2  # the machines this runs on have two cores or more


def _step(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> duckdb.DuckDBPyConnection:
    """Run one named step of ``scoring.sql`` with its values bound."""
    return con.execute(named_steps("scoring.sql")[name], params or None)


SIGNAL_COLUMNS = ("a", "b", "c", "d", "expected", "prr", "prr_lower", "prr_upper", "chi2_yates", "evans", "ror",
                  "ror_lower", "ror_upper", "ic", "ic025", "ic975", "ebgm", "eb05", "eb95", "expected_stratified",
                  "ebgm_stratified", "eb05_stratified", "eb95_stratified")




def pair_table(con) -> tuple[dict, tuple]:
    """Every pair of ``pair_counts``: its keys (ingredient, pt_key) and its 2x2 cells (a, b, c, d) as float arrays.

    Keys and cells come from one query: two scans of a table need not return its rows in the same order. The pairs
    are sorted, so that the prior's fit (a sum over pairs) does not depend on how the counts were reached.
    """
    cols = _step(con, "pair_table").fetchnumpy()
    a = cols["a"].astype(float)
    cells = (a, cols["n_ingredient"] - a, cols["n_pt"] - a, cols["n"] - cols["n_ingredient"] - cols["n_pt"] + a)
    return {"ingredient": cols["ingredient"], "pt_key": cols["pt_key"]}, cells




def stratified_expected(con, keys: dict, age_bands: dict[str, tuple[float, float]] | None = None,
                        chunk: int = 20_000, incremental: bool = False) -> tuple[np.ndarray, bool]:
    """Every pair's expected count stratified by age band, sex and year received (the keys of
    ``explorer.analysis.STRATA``; a missing value is its own stratum): the sum over strata of
    n_ingredient_s * n_pt_s / n_s, as FDA's MGPS and openEBGM's ``processRaw(stratify = TRUE)`` compute it.

    Computed from two dense matrices (ingredients x strata, PTs x strata): for each run of pairs of one ingredient
    (the pairs come sorted by ingredient), its PTs' rows times its row, at most ``chunk`` pairs at a time, so that
    the cost grows with pairs x strata and nothing of that size is kept.

    Args:
        con: the connection holding the model (``cases``, ``drug_ingredients``, ``reaction_index``).
        keys: the pairs, as :func:`pair_table` returns them (``ingredient``, ``pt_key`` arrays).
        age_bands: label -> (lowest age, highest age exclusive); filters.toml's by default.
        chunk: pairs per matrix-vector product at most.
        incremental: adjust the counts by stratum keys the store keeps with the touched cases' differences that an
            incremental load left on this connection (``explorer.store.update.update_core``), when it left them and
            the store's age bands are these; otherwise (and by default) count every case again.

    Returns:
        the stratified expected count of each pair, in the order of ``keys``, and whether the kept counts were
        adjusted (True) or counted again from every case (False).
    """
    if age_bands is None:
        from explorer.definitions import load_definitions

        age_bands = load_definitions().settings.age_bands
    params = {"labels": list(age_bands), "los": [lo for lo, _ in age_bands.values()],
              "his": [hi for _, hi in age_bands.values()]}
    adjusted = incremental and bool((_step(con, "strata_deltas_ready", **params).fetchone() or (False,))[0])
    if adjusted:
        for name in ("merge_strata_case_labels", "merge_strata_ingredient_labels", "merge_strata_pt_labels"):
            _step(con, name)
    else:
        _step(con, "case_keys")
        for name in ("stratum_bands", "case_label_keys"):
            _step(con, name, **params)
        for name in ("strata_case_labels", "strata_ingredient_labels", "strata_pt_labels"):
            _step(con, name)
    for name in ("stratum_labels", "ingredient_strata", "pt_strata_serious", "pt_strata", "stratum_sizes"):
        _step(con, name)
    sizes = _step(con, "read_stratum_sizes").fetchnumpy()
    n_s = np.zeros(int(sizes["s"].max()) + 1 if len(sizes["s"]) else 1)
    n_s[sizes["s"]] = sizes["n_cases"]
    ing = pd.Index(pd.unique(keys["ingredient"]))
    pts = pd.Index(pd.unique(keys["pt_key"]))
    ni = np.zeros((len(ing), len(n_s)))
    w = np.zeros((len(pts), len(n_s)))  # n_pt_s / n_s
    rows = _step(con, "read_ingredient_strata").fetchnumpy()
    at = ing.get_indexer(rows["ingredient"])
    ok = at >= 0
    ni[at[ok], rows["s"][ok]] = rows["n_cases"][ok]
    rows = _step(con, "read_pt_strata").fetchnumpy()
    at = pts.get_indexer(rows["pt_key"])
    ok = at >= 0
    w[at[ok], rows["s"][ok]] = rows["n_cases"][ok] / n_s[rows["s"][ok]]
    i_idx, p_idx = ing.get_indexer(keys["ingredient"]), pts.get_indexer(keys["pt_key"])
    out = np.empty(len(i_idx))
    # the pairs come sorted by ingredient: one matrix-vector product per ingredient (its PTs' rows of w times its
    # row of ni), or per chunk of an ingredient with very many PTs
    if not len(i_idx):  # no pair
        return out, adjusted
    starts = np.flatnonzero(np.r_[True, i_idx[1:] != i_idx[:-1]])
    for s0, e0 in zip(starts, np.r_[starts[1:], len(i_idx)], strict=True):
        for c0 in range(s0, e0, chunk):
            c1 = min(c0 + chunk, e0)
            out[c0:c1] = w[p_idx[c0:c1]] @ ni[i_idx[c0]]
    return out, adjusted


def _store_prior(con: duckdb.DuckDBPyConnection, step: str, prior: Prior, report: dict, expected: str) -> None:
    _step(con, step, a1=prior.alpha1, b1=prior.beta1, a2=prior.alpha2, b2=prior.beta2, p=prior.p,
          pairs=report["pairs"], converged=report["converged"], at_bound=report.get("at_bound", False),
          starts=report.get("starts", 0), agreeing=report.get("starts_agreeing", 0), ll=report.get("log_likelihood"),
          expected=expected)


def score_pairs(con: duckdb.DuckDBPyConnection, chunk: int = 500_000, timings: dict | None = None,
                stratified: bool = True, strata_deltas: bool = False) -> None:
    """Fit DuMouchel's prior over every ingredient-PT pair and store every pair's measures in ``signal_pairs``.

    Two priors are fitted: on the crude expected counts (``ebgm_prior``: ``ebgm``, ``eb05``, ``eb95``) and on the
    expected counts stratified by age band, sex and year received (``ebgm_prior_stratified``:
    ``ebgm_stratified``, ``eb05_stratified``, ``eb95_stratified``). Both are refitted whenever the model is rebuilt
    (after every load that changes the data). ``timings``, when given, receives the seconds of each step;
    ``stratified=False`` leaves the stratified columns NULL (a pair table without the model's case tables).
    ``strata_deltas``: right after an incremental update on this connection, adjust the kept counts by stratum keys
    instead of counting every case again (:func:`stratified_expected`; ``timings["strata_adjusted"]`` says which
    ran).
    """
    clock = time.perf_counter()
    keys, (a, b, c, d) = pair_table(con)
    prior, report = fit_prior(a, cells_expected(a, b, c, d))
    _store_prior(con, "store_prior_crude", prior, report, "crude")
    t_crude_fit = time.perf_counter()
    e_strat, adjusted = (stratified_expected(con, keys, incremental=strata_deltas) if stratified
                         else (np.full(len(a), np.nan), False))
    t_strata = time.perf_counter()
    if stratified:
        prior_s, report_s = fit_prior(a, e_strat)
        _store_prior(con, "store_prior_stratified", prior_s, report_s,
                     "stratified by age band, sex, year received")
    t_strat_fit = time.perf_counter()
    _step(con, "create_signal_pairs")

    def scored(sl: slice) -> pd.DataFrame:
        m = disproportionality(a[sl], b[sl], c[sl], d[sl], prior, thresholds=Thresholds())
        eb = (ebgm(a[sl], e_strat[sl], prior_s) if stratified
              else dict.fromkeys(("ebgm", "eb05", "eb95"), np.full(len(a[sl]), np.nan)))
        m.update(expected_stratified=e_strat[sl], ebgm_stratified=eb["ebgm"], eb05_stratified=eb["eb05"],
                 eb95_stratified=eb["eb95"])
        return pd.DataFrame({"ingredient": keys["ingredient"][sl], "pt_key": keys["pt_key"][sl],
                             **{k: m[k] for k in SIGNAL_COLUMNS}})

    # chunks scored on two threads (numpy and scipy's special functions release the GIL), written in order here;
    # at most SCORING_THREADS chunks in flight, so that an error or an interrupt waits for no more than those
    def write(frame: pd.DataFrame) -> None:
        con.register("scored", frame)
        _step(con, "insert_scored")
        con.unregister("scored")

    with ThreadPoolExecutor(max_workers=SCORING_THREADS) as pool:
        pending: deque[Future[pd.DataFrame]] = deque()
        for start in range(0, len(a), chunk):
            pending.append(pool.submit(scored, slice(start, start + chunk)))
            if len(pending) >= SCORING_THREADS:
                write(pending.popleft().result())
        while pending:
            write(pending.popleft().result())
    if not stratified:  # the kept strata would describe another build
        _step(con, "drop_kept_strata")
    if timings is not None:
        strata = int((_step(con, "count_strata").fetchone() or (0,))[0]) if stratified else 0
        timings.update(pairs=len(a), strata=strata, strata_adjusted=adjusted, crude_fit_s=t_crude_fit - clock,
                       strata_expected_s=t_strata - t_crude_fit, stratified_fit_s=t_strat_fit - t_strata,
                       scoring_s=time.perf_counter() - t_strat_fit)

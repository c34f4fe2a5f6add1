"""Rebuild the deduplicated model (``cases``, ``drugs``, ``reactions``, ...) from the raw tables."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from importlib import resources

import duckdb
import numpy as np
import pandas as pd

from explorer import __version__
from explorer.constants import FAERS_NOTICE, SYNTHETIC_NOTICE
from explorer.stats import Thresholds, cells_expected, disproportionality, ebgm, fit_prior
from explorer.store.schema import MODEL_VERSION
from explorer.vocab.countries import country_names
from explorer.vocab.ingredients import drugname_ingredients, known_ingredients, learn_names, prod_ai_ingredients
from explorer.vocab.routes import canonical_route


def _core_statements() -> list[str]:
    text = resources.files("explorer.store").joinpath("core.sql").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n\n") if s.strip()]


_CREATED = re.compile(r"CREATE OR REPLACE (?:TEMP )?(TABLE|VIEW|MACRO) (\w+)")


def core_definitions() -> list[str]:
    """The statements of ``core.sql`` that define macros (the row sources shared by the full build and updates)."""
    return [s for s in _core_statements() if (m := _CREATED.match(s)) and m.group(1) == "MACRO"]


def define_macros(con) -> None:
    """Define core.sql's macros over a model already built (an update, a remap), with what they read in place."""
    _register_countries(con)
    con.execute(core_statement("pt_names"))
    run_store_step(con, "macro_prerequisites")
    for statement in core_definitions():
        con.execute(statement)


def core_statement(name: str) -> str:
    """The statement of ``core.sql`` that creates the table or view ``name``."""
    for s in _core_statements():
        m = _CREATED.match(s)
        if m and m.group(1) != "MACRO" and m.group(2) == name:
            return s
    raise KeyError(name)


@cache
def store_steps() -> dict[str, str]:
    """The named statements of ``update.sql`` (vocabulary counts and the incremental update), by step name."""
    text = resources.files("explorer.store").joinpath("update.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- step: (\w+)\s*$", text, flags=re.MULTILINE)
    return {name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def run_store_step(con, name: str, **params):
    """Execute one named statement of ``update.sql`` with its values bound; return the cursor."""
    return con.execute(store_steps()[name], params or None)


def _register_vocab(con) -> None:
    """Map the distinct raw routes, prod_ai values and drug names to canonical routes and ingredients.

    Reads the kept counts ``drug_name_counts`` and ``drug_routes`` (written by the full build from every raw DRUG
    row, added to by an update), and writes the tables ``route_map``, ``prod_ai_map`` and ``drugname_map``: kept in
    the store, so that an update can tell which names map differently once a quarter is added.
    """
    routes = [r for (r,) in run_store_step(con, "vocab_routes").fetchall()]
    route_df = pd.DataFrame({"route": routes, "route_canonical": [canonical_route(r) for r in routes]}, dtype=object)
    prod_ais = [p for (p,) in run_store_step(con, "vocab_prod_ais").fetchall()]
    prod_map = {p: list(prod_ai_ingredients(p)) for p in prod_ais}
    prod_map = {p: i for p, i in prod_map.items() if i}
    known = known_ingredients(i for ings in prod_map.values() for i in ings)
    learned = learn_names(run_store_step(con, "vocab_coded_names").fetchall())
    names = [n for (n,) in run_store_step(con, "vocab_uncoded_names").fetchall()]
    name_map = {n: list(drugname_ingredients(n, known, learned)) for n in names}
    name_map = {n: i for n, i in name_map.items() if i}
    prod_df = pd.DataFrame({"prod_ai": list(prod_map), "ingredients": list(prod_map.values())}, dtype=object)
    name_df = pd.DataFrame({"drugname": list(name_map), "ingredients": list(name_map.values())}, dtype=object)
    run_store_step(con, "create_maps")
    for step, frame in (("insert_route_map", route_df), ("insert_prod_ai_map", prod_df),
                        ("insert_drugname_map", name_df)):
        if len(frame):
            con.register("vocab_batch", frame)
            run_store_step(con, step)
            con.unregister("vocab_batch")
    _register_countries(con)


def _register_countries(con) -> None:
    """The temp table ``country_map``: legacy country names -> the codes FAERS writes."""
    names = country_names()
    country_df = pd.DataFrame({"name": list(names), "code": list(names.values())}, dtype=object)
    con.register("country_df", country_df)
    con.execute("CREATE OR REPLACE TEMP TABLE country_map AS SELECT name, code FROM country_df")
    con.unregister("country_df")


SIGNAL_COLUMNS = ("a", "b", "c", "d", "expected", "prr", "prr_lower", "prr_upper", "chi2_yates", "evans", "ror",
                  "ror_lower", "ror_upper", "ic", "ic025", "ic975", "ebgm", "eb05", "eb95", "expected_stratified",
                  "ebgm_stratified", "eb05_stratified", "eb95_stratified")


def count_pairs(con) -> None:
    """(Re)create the temp table ``pair_counts``: every ingredient-PT pair's case count with its margins."""
    define_macros(con)
    for name in ("pair_case_counts", "ingredient_case_counts", "pair_counts"):
        con.execute(core_statement(name))


def pair_table(con) -> tuple[dict, tuple]:
    """Every pair of ``pair_counts``: its keys (ingredient, pt_key) and its 2x2 cells (a, b, c, d) as float arrays.

    Keys and cells come from one query: two scans of a table need not return its rows in the same order. The pairs
    are sorted, so that the prior's fit (a sum over pairs) does not depend on how the counts were reached.
    """
    cols = run_store_step(con, "pair_table").fetchnumpy()
    a = cols["a"].astype(float)
    cells = (a, cols["n_ingredient"] - a, cols["n_pt"] - a, cols["n"] - cols["n_ingredient"] - cols["n_pt"] + a)
    return {"ingredient": cols["ingredient"], "pt_key": cols["pt_key"]}, cells


def _strata_statements() -> list[str]:
    text = resources.files("explorer.store").joinpath("strata.sql").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n\n") if s.strip()]


def stratified_expected(con, keys: dict, age_bands: dict[str, tuple[float, float]] | None = None,
                        chunk: int = 20_000) -> np.ndarray:
    """Every pair's expected count stratified by age band, sex and year received (the keys of
    ``explorer.analysis.STRATA``; a missing value is its own stratum): the sum over strata of
    n_ingredient_s * n_pt_s / n_s, as FDA's MGPS and openEBGM's ``processRaw(stratify = TRUE)`` compute it.

    Computed as row-wise dot products of two dense matrices (ingredients x strata, PTs x strata), ``chunk`` pairs
    at a time, so that the cost grows with pairs x strata and nothing of that size is kept.

    Args:
        con: the connection holding the model (``cases``, ``drug_ingredients``, ``reaction_index``).
        keys: the pairs, as :func:`pair_table` returns them (``ingredient``, ``pt_key`` arrays).
        age_bands: label -> (lowest age, highest age exclusive); filters.toml's by default.
        chunk: pairs per dot-product batch.

    Returns:
        the stratified expected count of each pair, in the order of ``keys``.
    """
    if age_bands is None:
        from explorer.definitions import load_definitions

        age_bands = load_definitions().settings.age_bands
    params = {"labels": list(age_bands), "los": [lo for lo, _ in age_bands.values()],
              "his": [hi for _, hi in age_bands.values()]}
    for i, statement in enumerate(_strata_statements()):
        con.execute(statement, params if i == 0 else None)  # only the first statement reads the bands
    sizes = con.execute("SELECT s, n_cases FROM stratum_sizes").fetchnumpy()
    n_s = np.zeros(int(sizes["s"].max()) + 1 if len(sizes["s"]) else 1)
    n_s[sizes["s"]] = sizes["n_cases"]
    ing = pd.Index(pd.unique(keys["ingredient"]))
    pts = pd.Index(pd.unique(keys["pt_key"]))
    ni = np.zeros((len(ing), len(n_s)))
    w = np.zeros((len(pts), len(n_s)))  # n_pt_s / n_s
    rows = con.execute("SELECT ingredient, s, n_cases FROM ingredient_strata").fetchnumpy()
    at = ing.get_indexer(rows["ingredient"])
    ok = at >= 0
    ni[at[ok], rows["s"][ok]] = rows["n_cases"][ok]
    rows = con.execute("SELECT pt_key, s, n_cases FROM pt_strata").fetchnumpy()
    at = pts.get_indexer(rows["pt_key"])
    ok = at >= 0
    w[at[ok], rows["s"][ok]] = rows["n_cases"][ok] / n_s[rows["s"][ok]]
    i_idx, p_idx = ing.get_indexer(keys["ingredient"]), pts.get_indexer(keys["pt_key"])
    out = np.empty(len(i_idx))
    for start in range(0, len(out), chunk):
        sl = slice(start, start + chunk)
        out[sl] = np.einsum("ij,ij->i", ni[i_idx[sl]], w[p_idx[sl]])
    return out


def _store_prior(con, table: str, prior, report: dict, expected: str) -> None:
    # the table name comes from the two fixed names in _score_pairs, never from input
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT $a1 AS alpha1, $b1 AS beta1, $a2 AS alpha2, $b2 AS beta2, "
        "$p AS p, $pairs AS n_pairs, $converged AS converged, $at_bound AS at_bound, $starts AS starts, "
        "$agreeing AS starts_agreeing, $ll AS log_likelihood, 'PS,SS' AS roles, $expected AS expected_count, "
        "now()::TIMESTAMP AS fitted_at",
        {"a1": prior.alpha1, "b1": prior.beta1, "a2": prior.alpha2, "b2": prior.beta2, "p": prior.p,
         "pairs": report["pairs"], "converged": report["converged"], "at_bound": report.get("at_bound", False),
         "starts": report.get("starts", 0), "agreeing": report.get("starts_agreeing", 0),
         "ll": report.get("log_likelihood"), "expected": expected},
    )


def _score_pairs(con, chunk: int = 500_000, timings: dict | None = None, stratified: bool = True) -> None:
    """Fit DuMouchel's prior over every ingredient-PT pair and store every pair's measures in ``signal_pairs``.

    Two priors are fitted: on the crude expected counts (``ebgm_prior``: ``ebgm``, ``eb05``, ``eb95``) and on the
    expected counts stratified by age band, sex and year received (``ebgm_prior_stratified``:
    ``ebgm_stratified``, ``eb05_stratified``, ``eb95_stratified``). Both are refitted whenever the model is rebuilt
    (after every load that changes the data). ``timings``, when given, receives the seconds of each step;
    ``stratified=False`` leaves the stratified columns NULL (a pair table without the model's case tables).
    """
    import time

    clock = time.perf_counter()
    keys, (a, b, c, d) = pair_table(con)
    prior, report = fit_prior(a, cells_expected(a, b, c, d))
    _store_prior(con, "ebgm_prior", prior, report, "crude")
    t_crude_fit = time.perf_counter()
    e_strat = stratified_expected(con, keys) if stratified else np.full(len(a), np.nan)
    t_strata = time.perf_counter()
    if stratified:
        prior_s, report_s = fit_prior(a, e_strat)
        _store_prior(con, "ebgm_prior_stratified", prior_s, report_s, "stratified by age band, sex, year received")
    t_strat_fit = time.perf_counter()
    typed = ", ".join(f"{c} {'BOOLEAN' if c == 'evans' else 'DOUBLE'}" for c in SIGNAL_COLUMNS)
    con.execute(f"CREATE OR REPLACE TABLE signal_pairs (ingredient VARCHAR, pt_key VARCHAR, pt_name VARCHAR, {typed})")
    for start in range(0, len(a), chunk):
        sl = slice(start, start + chunk)
        m = disproportionality(a[sl], b[sl], c[sl], d[sl], prior, thresholds=Thresholds())
        eb = (ebgm(a[sl], e_strat[sl], prior_s) if stratified
              else dict.fromkeys(("ebgm", "eb05", "eb95"), np.full(len(a[sl]), np.nan)))
        m.update(expected_stratified=e_strat[sl], ebgm_stratified=eb["ebgm"], eb05_stratified=eb["eb05"],
                 eb95_stratified=eb["eb95"])
        frame = pd.DataFrame({"ingredient": keys["ingredient"][sl], "pt_key": keys["pt_key"][sl],
                              **{k: m[k] for k in SIGNAL_COLUMNS}})
        con.register("scored", frame)
        con.execute("INSERT INTO signal_pairs SELECT s.ingredient, s.pt_key, n.pt_name, "
                    + ", ".join(f"s.{k}" for k in SIGNAL_COLUMNS)
                    + " FROM scored s LEFT JOIN pt_vocab n USING (pt_key)")
        con.unregister("scored")
    if timings is not None:
        strata = int(con.execute("SELECT count(*) FROM stratum_sizes").fetchone()[0]) if stratified else 0
        timings.update(pairs=len(a), strata=strata, crude_fit_s=t_crude_fit - clock,
                       strata_expected_s=t_strata - t_crude_fit, stratified_fit_s=t_strat_fit - t_strata,
                       scoring_s=time.perf_counter() - t_strat_fit)


def build_steps() -> int:
    """How many steps :func:`rebuild_core` reports (for a progress bar)."""
    return len(_core_statements()) + 3


def rebuild_core(con: duckdb.DuckDBPyConnection, advance: Callable[[float], None] | None = None) -> None:
    """Rebuild every table of the deduplicated model and the ``meta`` rows that describe the data.

    Args:
        con: a read-write DuckDB connection holding the raw tables.
        advance: called with 1 after each of the :func:`build_steps` steps.
    """
    from explorer.meddra.mapping import record_term_map, register_term_map

    done = advance or (lambda _units: None)
    run_store_step(con, "drug_name_counts")
    run_store_step(con, "drug_routes")
    _register_vocab(con)
    register_term_map(con)
    done(1)
    for statement in _core_statements():
        con.execute(statement)
        done(1)
    record_term_map(con)
    _score_pairs(con)
    done(1)
    write_meta(con)
    done(1)


def write_meta(con) -> None:
    """Write the ``meta`` rows that describe the built data (tool and model version, when, synthetic or FDA)."""
    synthetic = con.execute("SELECT coalesce(bool_or(synthetic), false) FROM load_log").fetchone()[0]
    meta = {
        "tool_version": __version__,
        "model_version": str(MODEL_VERSION),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "synthetic": "true" if synthetic else "false",
        "data_notice": SYNTHETIC_NOTICE if synthetic else FAERS_NOTICE,
    }
    for key, value in meta.items():
        con.execute("INSERT OR REPLACE INTO meta VALUES ($k, $v)", {"k": key, "v": value})


# The model tables (and the temporary tables they read) that depend on how reported terms map to PTs.
REMAP_TABLES = ("current_reports", "pt_names", "reactions", "reaction_index", "pt_vocab", "probable_duplicates",
                "pair_case_counts", "pair_counts", "collapsed_rows", "dedup_flow")


def remap_reactions(con) -> None:
    """Rebuild only what depends on the mapping of reported terms to MedDRA PTs, after a MedDRA import.

    Reruns the statements of ``core.sql`` that create ``REMAP_TABLES`` (reactions and the PT index, the PT
    vocabulary, the probable duplicates, the pair counts and the deduplication flow), then scores every pair again.

    Args:
        con: a read-write connection to a build file (see ``explorer.store.loader.building``).
    """
    from explorer.meddra.mapping import record_term_map, register_term_map

    register_term_map(con)
    define_macros(con)
    for name in REMAP_TABLES:
        con.execute(core_statement(name))
    record_term_map(con)
    _score_pairs(con)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('built_at', $v)",
                {"v": datetime.now(UTC).isoformat(timespec="seconds")})

"""Rebuild the deduplicated model (``cases``, ``drugs``, ``reactions``, ...) from the raw tables."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib import resources

import pandas as pd

from explorer import __version__
from explorer.stats import Thresholds, cells_expected, disproportionality, fit_prior
from explorer.vocab.countries import country_names
from explorer.vocab.ingredients import drugname_ingredients, known_ingredients, learn_names, prod_ai_ingredients
from explorer.vocab.routes import canonical_route

SYNTHETIC_NOTICE = "synthetic demo data — not FDA data"
# The version of the model's layout (its tables and columns): raise it whenever core.sql changes what a built store
# holds. A store built under another version is rebuilt from its raw tables (``python -m explorer rebuild``).
MODEL_VERSION = 2


def model_version(con) -> int | None:
    """The model version a store was built with (None for stores built before versions were recorded)."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'model_version'").fetchone()
    except Exception:  # noqa: BLE001 - no meta table: not a built store
        return None
    return int(row[0]) if row else None


def _core_statements() -> list[str]:
    text = resources.files("explorer.store").joinpath("core.sql").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n\n") if s.strip()]


def _register_vocab(con) -> None:
    """Map the distinct raw routes, prod_ai values and drug names to canonical routes and ingredients."""
    routes = [r for (r,) in con.execute("SELECT DISTINCT route FROM raw_drug WHERE route IS NOT NULL").fetchall()]
    route_df = pd.DataFrame({"route": routes, "route_canonical": [canonical_route(r) for r in routes]}, dtype=object)
    con.register("route_df", route_df)
    con.execute("CREATE OR REPLACE TEMP TABLE route_map AS SELECT * FROM route_df")

    prod_ais = [p for (p,) in con.execute("SELECT DISTINCT prod_ai FROM raw_drug WHERE prod_ai IS NOT NULL").fetchall()]
    prod_map = {p: list(prod_ai_ingredients(p)) for p in prod_ais}
    prod_map = {p: i for p, i in prod_map.items() if i}
    known = known_ingredients(i for ings in prod_map.values() for i in ings)
    learned = learn_names(
        con.execute(
            "SELECT drugname, prod_ai, count(*) FROM raw_drug WHERE drugname IS NOT NULL AND prod_ai IS NOT NULL "
            "GROUP BY ALL"
        ).fetchall()
    )
    names = [
        n
        for (n,) in con.execute(
            "SELECT DISTINCT drugname FROM raw_drug WHERE drugname IS NOT NULL AND prod_ai IS NULL"
        ).fetchall()
    ]
    name_map = {n: list(drugname_ingredients(n, known, learned)) for n in names}
    name_map = {n: i for n, i in name_map.items() if i}
    prod_df = pd.DataFrame({"prod_ai": list(prod_map), "ingredients": list(prod_map.values())}, dtype=object)
    name_df = pd.DataFrame({"drugname": list(name_map), "ingredients": list(name_map.values())}, dtype=object)
    con.execute("CREATE OR REPLACE TEMP TABLE prod_ai_map (prod_ai VARCHAR, ingredients VARCHAR[])")
    con.execute("CREATE OR REPLACE TEMP TABLE drugname_map (drugname VARCHAR, ingredients VARCHAR[])")
    for table, frame in (("prod_ai_map", prod_df), ("drugname_map", name_df)):
        if len(frame):
            con.register("vocab_batch", frame)
            con.execute(f"INSERT INTO {table} SELECT * EXCLUDE (ingredients), ingredients::VARCHAR[] FROM vocab_batch")
            con.unregister("vocab_batch")
    con.unregister("route_df")

    names = country_names()
    country_df = pd.DataFrame({"name": list(names), "code": list(names.values())}, dtype=object)
    con.register("country_df", country_df)
    con.execute("CREATE OR REPLACE TEMP TABLE country_map AS SELECT name, code FROM country_df")
    con.unregister("country_df")


SIGNAL_COLUMNS = ("a", "b", "c", "d", "expected", "prr", "prr_lower", "prr_upper", "chi2_yates", "evans", "ror",
                  "ror_lower", "ror_upper", "ic", "ic025", "ic975", "ebgm", "eb05", "eb95")


def count_pairs(con) -> None:
    """(Re)create the temp table ``pair_counts``: every ingredient-PT pair's case count with its margins."""
    con.execute(next(s for s in _core_statements() if "TEMP TABLE pair_counts" in s))


def pair_table(con) -> tuple[dict, tuple]:
    """Every pair of ``pair_counts``: its keys (ingredient, pt_key) and its 2x2 cells (a, b, c, d) as float arrays.

    Keys and cells come from one query: two scans of a table need not return its rows in the same order.
    """
    cols = con.execute("SELECT ingredient, pt_key, a, n_ingredient, n_pt, n FROM pair_counts").fetchnumpy()
    a = cols["a"].astype(float)
    cells = (a, cols["n_ingredient"] - a, cols["n_pt"] - a, cols["n"] - cols["n_ingredient"] - cols["n_pt"] + a)
    return {"ingredient": cols["ingredient"], "pt_key": cols["pt_key"]}, cells


def _score_pairs(con, chunk: int = 500_000) -> None:
    """Fit DuMouchel's prior over every ingredient-PT pair and store every pair's measures in ``signal_pairs``.

    The prior is stored in ``ebgm_prior`` and refitted whenever the model is rebuilt (after every load that changes
    the data).
    """
    keys, (a, b, c, d) = pair_table(con)
    prior, report = fit_prior(a, cells_expected(a, b, c, d))
    con.execute(
        "CREATE OR REPLACE TABLE ebgm_prior AS SELECT $a1 AS alpha1, $b1 AS beta1, $a2 AS alpha2, $b2 AS beta2, "
        "$p AS p, $pairs AS n_pairs, $converged AS converged, $at_bound AS at_bound, $starts AS starts, "
        "$agreeing AS starts_agreeing, $ll AS log_likelihood, 'PS,SS' AS roles, now()::TIMESTAMP AS fitted_at",
        {"a1": prior.alpha1, "b1": prior.beta1, "a2": prior.alpha2, "b2": prior.beta2, "p": prior.p,
         "pairs": report["pairs"], "converged": report["converged"], "at_bound": report.get("at_bound", False),
         "starts": report.get("starts", 0), "agreeing": report.get("starts_agreeing", 0),
         "ll": report.get("log_likelihood")},
    )
    typed = ", ".join(f"{c} {'BOOLEAN' if c == 'evans' else 'DOUBLE'}" for c in SIGNAL_COLUMNS)
    con.execute(f"CREATE OR REPLACE TABLE signal_pairs (ingredient VARCHAR, pt_key VARCHAR, pt_name VARCHAR, {typed})")
    for start in range(0, len(a), chunk):
        sl = slice(start, start + chunk)
        m = disproportionality(a[sl], b[sl], c[sl], d[sl], prior, thresholds=Thresholds())
        frame = pd.DataFrame({"ingredient": keys["ingredient"][sl], "pt_key": keys["pt_key"][sl],
                              **{k: m[k] for k in SIGNAL_COLUMNS}})
        con.register("scored", frame)
        con.execute("INSERT INTO signal_pairs SELECT s.ingredient, s.pt_key, n.pt_name, "
                    + ", ".join(f"s.{k}" for k in SIGNAL_COLUMNS)
                    + " FROM scored s LEFT JOIN pt_vocab n USING (pt_key)")
        con.unregister("scored")


def rebuild_core(con) -> None:
    """Rebuild every table of the deduplicated model and the ``meta`` rows that describe the data.

    Args:
        con: a read-write DuckDB connection holding the raw tables.
    """
    from explorer.meddra.mapping import record_term_map, register_term_map

    _register_vocab(con)
    register_term_map(con)
    for statement in _core_statements():
        con.execute(statement)
    record_term_map(con)
    _score_pairs(con)
    synthetic = con.execute("SELECT coalesce(bool_or(synthetic), false) FROM load_log").fetchone()[0]
    meta = {
        "tool_version": __version__,
        "model_version": str(MODEL_VERSION),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "synthetic": "true" if synthetic else "false",
        "data_notice": SYNTHETIC_NOTICE if synthetic else "FDA Adverse Event Reporting System (FAERS) quarterly data",
    }
    for key, value in meta.items():
        con.execute("INSERT OR REPLACE INTO meta VALUES ($k, $v)", {"k": key, "v": value})


# The model tables (and the temporary tables they read) that depend on how reported terms map to PTs.
REMAP_TABLES = ("current_reports", "pt_names", "reactions", "reaction_index", "pt_vocab", "probable_duplicates",
                "pair_counts", "dedup_flow")


def remap_reactions(con) -> None:
    """Rebuild only what depends on the mapping of reported terms to MedDRA PTs, after a MedDRA import.

    Reruns the statements of ``core.sql`` that create ``REMAP_TABLES`` (reactions and the PT index, the PT
    vocabulary, the probable duplicates, the pair counts and the deduplication flow), then scores every pair again.

    Args:
        con: a read-write connection to a build file (see ``explorer.store.loader.building``).
    """
    from explorer.meddra.mapping import record_term_map, register_term_map

    register_term_map(con)
    for statement in _core_statements():
        created = re.match(r"CREATE OR REPLACE (?:TEMP )?TABLE (\w+)", statement)
        if created and created.group(1) in REMAP_TABLES:
            con.execute(statement)
    record_term_map(con)
    _score_pairs(con)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('built_at', $v)",
                {"v": datetime.now(UTC).isoformat(timespec="seconds")})

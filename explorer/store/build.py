"""Rebuild the deduplicated model (``cases``, ``drugs``, ``reactions``, ...) from the raw tables."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import duckdb
import pandas as pd

from explorer import __version__
from explorer.constants import FAERS_NOTICE, SYNTHETIC_NOTICE
from explorer.quarters import FIRST_FAERS
from explorer.store.schema import MODEL_VERSION
from explorer.store.sql import named_steps
from explorer.vocab.countries import country_names
from explorer.vocab.ingredients import ingredient_resolver, known_ingredients, learn_names, prod_ai_ingredients
from explorer.vocab.routes import canonical_route


def _core_statements() -> list[str]:
    return list(named_steps("core.sql").values())


_CREATED = re.compile(r"^CREATE OR REPLACE (?:TEMP )?(TABLE|VIEW|MACRO) (\w+)", re.MULTILINE)


def core_definitions() -> list[str]:
    """The statements of ``core.sql`` that define macros (the row sources shared by the full build and updates)."""
    return [s for s in _core_statements() if (m := _CREATED.search(s)) and m.group(1) == "MACRO"]


def define_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define core.sql's macros over a model already built (an update, a remap), with what they read in place."""
    set_constants(con)
    _register_countries(con)
    con.execute(core_statement("pt_names"))
    run_store_step(con, "macro_prerequisites")
    for statement in core_definitions():
        con.execute(statement)


def set_constants(con: duckdb.DuckDBPyConnection) -> None:
    """The values core.sql reads from session variables (the first FAERS quarter: LAERS before it)."""
    con.execute(named_steps("core.sql")["first_faers_quarter"], {"quarter": FIRST_FAERS})


def core_statement(name: str) -> str:
    """The named statement of ``core.sql`` (it creates the table, view or macro ``name``)."""
    return named_steps("core.sql")[name]


def store_steps() -> dict[str, str]:
    """The named statements of ``update.sql`` (vocabulary counts and the incremental update), by step name."""
    return named_steps("update.sql")


def run_store_step(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> duckdb.DuckDBPyConnection:
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
    resolve = ingredient_resolver(known, learned)
    name_map = {n: list(resolve(n)) for n in names}
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
    run_store_step(con, "country_map")
    con.unregister("country_df")


def build_steps() -> int:
    """How many steps :func:`rebuild_core` reports (for a progress bar)."""
    return len(_core_statements()) + 3


def rebuild_core(con: duckdb.DuckDBPyConnection, advance: Callable[[float], None] | None = None,
                 timings: dict[str, float] | None = None) -> None:
    """Rebuild every table of the deduplicated model and the ``meta`` rows that describe the data.

    Args:
        con: a read-write DuckDB connection holding the raw tables.
        advance: called with 1 after each of the :func:`build_steps` steps.
        timings: when given, receives the seconds of each step of ``core.sql`` as ``step:NAME``.
    """
    from explorer.meddra.mapping import record_term_map, register_term_map

    done = advance or (lambda _units: None)
    set_constants(con)
    run_store_step(con, "drug_name_counts")
    run_store_step(con, "drug_routes")
    _register_vocab(con)
    register_term_map(con)
    done(1)
    for name, statement in named_steps("core.sql").items():
        start = time.perf_counter()
        if name != "first_faers_quarter":  # set above, with its value bound
            con.execute(statement)
        if timings is not None:
            timings[f"step:{name}"] = time.perf_counter() - start
        done(1)
    record_term_map(con)
    done(1)
    write_meta(con)
    done(1)


def write_meta(con) -> None:
    """Write the ``meta`` rows that describe the built data (tool and model version, when, synthetic or FDA)."""
    synthetic = (run_store_step(con, "any_synthetic").fetchone() or (False,))[0]
    meta = {
        "tool_version": __version__,
        "model_version": str(MODEL_VERSION),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "synthetic": "true" if synthetic else "false",
        "data_notice": SYNTHETIC_NOTICE if synthetic else FAERS_NOTICE,
    }
    for key, value in meta.items():
        run_store_step(con, "set_meta", key=key, value=value)

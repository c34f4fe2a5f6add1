"""Reported terms -> the current MedDRA version's PTs, as the store's build uses them.

The build (``explorer.store.build``) calls :func:`register_term_map` before it writes ``reactions`` and
:func:`record_term_map` after: without imported MedDRA the map is empty and the model is what it was without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from explorer import query
from explorer.meddra.statements import run_step

if TYPE_CHECKING:
    import duckdb


def current_version(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """The current MedDRA version and its language, or None when the store holds no MedDRA."""
    if not query.rows(con, "meddra_present")[0][0]:
        return None
    rows = query.rows(con, "meddra_current_version")
    return (rows[0][0], rows[0][1]) if rows else None


def register_term_map(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temporary table ``pt_map`` (reported term -> PT key, name and code) the build joins."""
    run_step(con, "term_map" if current_version(con) else "empty_term_map")


def record_term_map(con: duckdb.DuckDBPyConnection) -> None:
    """Write ``meddra_term_map`` (every reported term of the current cases, how it mapped) after ``reactions``."""
    if current_version(con):
        run_step(con, "record_term_map")

"""Reported terms -> the current MedDRA version's PTs, as the store's build uses them.

The build (``explorer.store.build``) calls :func:`register_term_map` before it writes ``reactions`` and
:func:`record_term_map` after: without imported MedDRA the map is empty and the model is what it was without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from explorer.meddra.statements import run_step

if TYPE_CHECKING:
    import duckdb


def current_version(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """The current MedDRA version and its language, or None when the store holds no MedDRA."""
    try:
        has = con.execute("SELECT count(*) FROM information_schema.tables "
                          "WHERE table_name = 'meddra_versions' AND table_schema = 'main'").fetchone()
        if not has or not has[0]:
            return None
        row = con.execute("SELECT version, language FROM meddra_versions WHERE is_current").fetchone()
    except Exception:  # noqa: BLE001 - a connection that is not a store
        return None
    return (row[0], row[1]) if row else None


def register_term_map(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temporary table ``pt_map`` (reported term -> PT key, name and code) the build joins."""
    run_step(con, "term_map" if current_version(con) else "empty_term_map")


def record_term_map(con: duckdb.DuckDBPyConnection) -> None:
    """Write ``meddra_term_map`` (every reported term of the current cases, how it mapped) after ``reactions``."""
    if current_version(con):
        run_step(con, "record_term_map")

"""The MedDRA build statements of ``queries/meddra/build.sql``, run by name with bound values."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

BUILD_SQL = Path(__file__).resolve().parent.parent.parent / "queries" / "meddra" / "build.sql"


@cache
def steps() -> dict[str, str]:
    """The statements of ``build.sql`` by step name."""
    parts = re.split(r"^-- step: (\w+)\s*$", BUILD_SQL.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def run_step(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> None:
    """Execute one step of ``build.sql`` with its values bound.

    Args:
        con: a DuckDB connection (read-write for every step but the temporary ``term_map``).
        name: the step, e.g. ``insert_pt``.
        **params: the step's ``$parameters``.
    """
    con.execute(steps()[name], params or None)

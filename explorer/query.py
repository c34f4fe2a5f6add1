"""Run the named SQL statements of ``queries/`` with bound parameters.

Each ``queries/*.sql`` file holds one statement under a header::

    -- name: dedup_flow
    -- title: Deduplication flow
    -- parameters: none          (or: $drug, $pt)

Values are always bound (``$name`` in DuckDB), never formatted into the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from explorer.constants import SQL_DIR
from explorer.errors import ExplorerError

QUERY_DIR = SQL_DIR
_PARAM = re.compile(r"(?<![\w$])\$([A-Za-z_]\w*)")


class QueryError(ExplorerError):
    """A named query is unknown or was called with the wrong parameters."""


@dataclass(frozen=True)
class NamedQuery:
    """One statement of ``queries/``."""

    name: str
    title: str
    sql: str
    parameters: tuple[str, ...]


def parse_query(text: str, source: str = "<sql>") -> NamedQuery:
    """Parse a query file: header lines, then the statement; its $parameters are found in the SQL."""
    header = dict(re.findall(r"^--\s*(\w+):\s*(.*)$", text, flags=re.MULTILINE))
    if "name" not in header or "title" not in header:
        raise QueryError(f"{source}: query file needs '-- name:' and '-- title:' header lines")
    body = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("--")).strip().rstrip(";")
    params = tuple(dict.fromkeys(_PARAM.findall(body)))
    return NamedQuery(header["name"].strip(), header["title"].strip(), body, params)


@cache
def queries(folder: Path = QUERY_DIR) -> dict[str, NamedQuery]:
    """All named queries of a folder, by name."""
    found = {}
    for path in sorted(folder.glob("*.sql")):
        q = parse_query(path.read_text(encoding="utf-8"), str(path))
        found[q.name] = q
    return found


def statement(name: str, params: dict[str, Any]) -> NamedQuery:
    """The named statement, checked against the parameters it is about to be given.

    Raises:
        QueryError: unknown query, or missing or unexpected parameters.
    """
    q = queries().get(name)
    if q is None:
        raise QueryError(f"no query named {name!r} in {QUERY_DIR}")
    missing = set(q.parameters) - set(params)
    extra = set(params) - set(q.parameters)
    if missing or extra:
        raise QueryError(f"query {name}: missing parameters {sorted(missing)}, unexpected {sorted(extra)}")
    return q


def run(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Run a named query with its parameters bound and return its result as a data frame.

    Raises:
        QueryError: unknown query, or missing or unexpected parameters.
    """
    return con.execute(statement(name, params).sql, params).df()


def rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[tuple]:
    """Run a named query with its parameters bound and return its rows as tuples (for small answers)."""
    return con.execute(statement(name, params).sql, params).fetchall()


def execute(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    """Run a named statement that returns nothing worth reading (ATTACH, USE, SET, CREATE ...)."""
    con.execute(statement(name, params).sql, params or None)

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

import duckdb
import pandas as pd

from explorer.errors import ExplorerError
from explorer.store.build import MODEL_VERSION, model_version

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
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


def run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run a named query with its parameters bound.

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
    return con.execute(q.sql, params).df()


def connect(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open a store read-only.

    Raises:
        ExplorerError: the file is missing, locked for writing by another process, not a store, or a store built
            under another model version (it names the command that rebuilds it).
    """
    path = Path(db_path)
    if not path.exists():
        raise ExplorerError(f"{path}: no database here; load data first (python -m explorer load ...)")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        raise ExplorerError(f"{path}: cannot open the database read-only ({e})") from None
    is_store = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'cases'").fetchone()[0]
    return _checked(con, path, bool(is_store))


def data_notice(con: duckdb.DuckDBPyConnection) -> tuple[bool, str]:
    """Return (is_synthetic, the notice to show with any number from this store)."""
    rows = dict(con.execute("SELECT key, value FROM meta").fetchall())
    return rows.get("synthetic") == "true", rows.get("data_notice", "")


def connect_isolated(db_path: str | Path, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Open a store read-only in a DuckDB instance of its own (an in-memory instance with the file attached).

    ``duckdb.connect(path)`` hands back the instance DuckDB has cached for that path while any connection to it
    lives, so after a load has replaced the file it keeps answering from the old one. Attaching the file to a new
    in-memory instance always reads the file now at the path. Cursors of the returned connection must run
    ``USE store`` (see :func:`use_store`).

    Raises:
        ExplorerError: as :func:`connect`.
    """
    path = Path(db_path)
    if not path.exists():
        raise ExplorerError(f"{path}: no database here; load data first (python -m explorer load ...)")
    con = duckdb.connect(":memory:", config={"autoload_known_extensions": False,
                                             "autoinstall_known_extensions": False, **(config or {})})
    try:
        con.execute("ATTACH $path AS store (READ_ONLY)", {"path": str(path)})
        use_store(con)
    except duckdb.Error as e:
        con.close()
        raise ExplorerError(f"{path}: cannot open the database read-only ({str(e).splitlines()[0]})") from None
    is_store = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'store' "
                           "AND table_name = 'cases'").fetchone()[0]
    return _checked(con, path, bool(is_store))


def _checked(con: duckdb.DuckDBPyConnection, path: Path, is_store: bool) -> duckdb.DuckDBPyConnection:
    """The connection, if it holds a store of this model version; else closed, with a one-line error."""
    built_with = model_version(con)
    if is_store and built_with == MODEL_VERSION:
        return con
    con.close()
    if not is_store:
        raise ExplorerError(f"{path}: not an explorer database (no cases table); load data first "
                            "(python -m explorer load ...)")
    raise ExplorerError(f"{path}: built by another version of this tool (model {built_with or 1}; this version "
                        f"reads model {MODEL_VERSION}); rebuild it from its loaded quarters: "
                        f"python -m explorer rebuild --db {path}")


def use_store(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Make the attached store the default catalog of a connection opened by :func:`connect_isolated`."""
    con.execute("USE store")
    return con

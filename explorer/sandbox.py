"""Ad-hoc SQL for users: one SELECT, read-only, no file or network access, bounded rows and time."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pandas as pd

from explorer import query
from explorer.errors import ExplorerError


class SqlRefused(ExplorerError):
    """The statement is not a single SELECT, failed, or ran past its time limit."""


def run_select(db_path: str | Path, sql: str, limit: int = 1000, seconds: float = 10.0,
               memory_limit: str = "2GB") -> tuple[pd.DataFrame, bool]:
    """Run one SELECT against the database attached read-only to a fresh in-memory DuckDB without external access.

    The database file is attached (READ_ONLY) before file access is switched off and the configuration locked, so
    the statement cannot read or write files, attach others, install extensions or change settings; a separate
    instance also coexists with the dashboard's own read-only connection in the same process.

    The instance gets ``memory_limit`` (DuckDB spills or fails beyond it, instead of growing without bound) and
    one thread.

    Returns:
        The first ``limit`` rows and whether there were more.

    Raises:
        SqlRefused: not exactly one SELECT statement, a SQL error, or the time limit reached.
    """
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoload_known_extensions": False, "autoinstall_known_extensions": False,
        "memory_limit": memory_limit, "threads": 1}
    con = duckdb.connect(":memory:", config=config)
    query.execute(con, "connection_quiet")
    try:
        query.execute(con, "sandbox_attach", path=str(db_path))
        query.execute(con, "sandbox_lock")
    except duckdb.Error as e:
        con.close()
        raise SqlRefused(f"cannot open the database: {str(e).splitlines()[0]}") from None
    try:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as e:
            raise SqlRefused(f"does not parse: {str(e).splitlines()[0]}") from None
        if len(statements) != 1:
            raise SqlRefused(f"give exactly one statement (found {len(statements)})")
        if statements[0].type != duckdb.StatementType.SELECT:
            raise SqlRefused(f"only SELECT is allowed here, not {statements[0].type.name}")
        result: dict = {}

        def work():
            try:
                result["frame"] = con.sql(statements[0].query).limit(limit + 1).df()
            except Exception as e:  # reported below, in the caller's thread
                result["error"] = e

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        thread.join(seconds)
        if thread.is_alive():
            con.interrupt()
            thread.join(5)
            raise SqlRefused(f"stopped after the time limit of {seconds:g} s")
        if "error" in result:
            raise SqlRefused(str(result["error"]).splitlines()[0])
        frame = result["frame"]
        return frame.head(limit), len(frame) > limit
    finally:
        con.close()

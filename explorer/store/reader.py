"""The one reader of the store: open it read-only, check it, and answer named queries about a selection.

The CLI, the dashboard, the claim check and the reports all read the store through this module: :func:`connect`
(one process, one connection), :func:`connect_isolated` (a private DuckDB instance that always sees the file now at
the path, for a long-lived server) and the :class:`Store` service built on either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from explorer import query
from explorer.constants import SYNTHETIC_NOTICE
from explorer.definitions import Definitions, load_definitions
from explorer.errors import ExplorerError
from explorer.selection import Selection, bind
from explorer.stats import Prior
from explorer.store.schema import MODEL_VERSION

_NO_AUTOLOAD = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Turn off DuckDB's own progress bar on a connection (it prints to stdout); returns the connection."""
    query.execute(con, "connection_quiet")
    return con


def model_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The model version a store was built with (None for a database without one: not a store, or an old one)."""
    if not query.rows(con, "store_has_meta")[0][0]:
        return None
    row = query.rows(con, "store_model_version")
    return int(row[0][0]) if row else None


def connect(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open a store read-only.

    Raises:
        ExplorerError: the file is missing, locked for writing by another process, not a store, or a store built
            under another model version (it names the command that rebuilds it).
    """
    path = _existing(db_path)
    try:
        con = quiet(duckdb.connect(str(path), read_only=True))
    except duckdb.Error as e:
        raise ExplorerError(f"{path}: cannot open the database read-only ({_first_line(e)})") from None
    return _checked(con, path)


def connect_isolated(db_path: str | Path, config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """Open a store read-only in a DuckDB instance of its own (an in-memory instance with the file attached).

    ``duckdb.connect(path)`` hands back the instance DuckDB has cached for that path while any connection to it
    lives, so after a load has replaced the file it keeps answering from the old one. Attaching the file to a new
    in-memory instance always reads the file now at the path. Cursors of the returned connection must run
    ``USE store`` (see :func:`use_store`).

    Raises:
        ExplorerError: as :func:`connect`.
    """
    path = _existing(db_path)
    con = quiet(duckdb.connect(":memory:", config={**_NO_AUTOLOAD, **(config or {})}))
    try:
        query.execute(con, "store_attach", path=str(path))
        use_store(con)
    except duckdb.Error as e:
        con.close()
        raise ExplorerError(f"{path}: cannot open the database read-only ({_first_line(e)})") from None
    return _checked(con, path)


def use_store(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Make the attached store the default catalog of a connection opened by :func:`connect_isolated`."""
    query.execute(con, "store_use")
    return con


def data_notice(con: duckdb.DuckDBPyConnection) -> tuple[bool, str]:
    """Return (is_synthetic, the notice to show with any number from this store)."""
    meta = dict(query.rows(con, "store_meta"))
    synthetic = meta.get("synthetic") == "true"
    return synthetic, meta.get("data_notice") or (SYNTHETIC_NOTICE if synthetic else "")


def _existing(db_path: str | Path) -> Path:
    path = Path(db_path)
    if not path.exists():
        raise ExplorerError(f"{path}: no database here; load data first (python -m explorer load ...)")
    return path


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _checked(con: duckdb.DuckDBPyConnection, path: Path) -> duckdb.DuckDBPyConnection:
    """The connection, if it holds a store of this model version; else closed, with a one-line error."""
    is_store = bool(query.rows(con, "store_has_cases")[0][0])
    built_with = model_version(con) if is_store else None
    if is_store and built_with == MODEL_VERSION:
        return con
    con.close()
    if not is_store:
        raise ExplorerError(f"{path}: not an explorer database (no cases table); load data first "
                            "(python -m explorer load ...)")
    raise ExplorerError(f"{path}: built by another version of this tool (model {built_with or 1}; this version "
                        f"reads model {MODEL_VERSION}); rebuild it from its loaded quarters: "
                        f"python -m explorer rebuild --db {path}")


@dataclass
class Store:
    """An open, read-only store with the definitions its selections are built from.

    Attributes:
        con: a connection opened by :func:`connect`, or a cursor of one opened by :func:`connect_isolated`.
        path: the store's file.
        definitions: exposures, event groups and filters; event groups named by MedDRA are resolved against this
            store's imported MedDRA when the service is made.
    """

    con: duckdb.DuckDBPyConnection
    path: Path
    definitions: Definitions

    def __post_init__(self) -> None:
        from explorer.meddra.lookup import resolve_definitions  # event groups by SMQ/HLT/SOC -> this store's PTs

        self.definitions = resolve_definitions(self.con, self.definitions, self.path)

    @classmethod
    def open(cls, db_path: str | Path, definitions: Definitions | None = None) -> Store:
        """Open a store read-only (see :func:`connect`) with the given or the shipped definitions."""
        return cls(connect(db_path), Path(db_path), definitions or load_definitions())

    def close(self) -> None:
        """Close the store's connection."""
        self.con.close()

    def run(self, name: str, selection: Selection | None = None, **params: Any) -> pd.DataFrame:
        """Run a named query, after binding ``selection`` to the connection when one is given."""
        if selection is not None:
            bind(self.con, selection, self.definitions)
        return query.run(self.con, name, **params)

    def prior(self) -> Prior | None:
        """The EBGM prior fitted over this database's ingredient x PT pairs (None if it holds no pairs)."""
        row = query.rows(self.con, "ebgm_prior")
        return Prior(*row[0][:5]) if row else None

    def prior_stratified(self) -> Prior | None:
        """The EBGM prior fitted over this database's pairs with expected counts stratified by age band, sex and
        year received (None if it holds no pairs)."""
        row = query.rows(self.con, "ebgm_prior_stratified")
        return Prior(*row[0]) if row else None

    def prior_note(self) -> str:
        """'' when the EBGM prior's fit converged inside its parameter space, else a sentence to show with EBGM."""
        row = query.rows(self.con, "ebgm_prior")
        if not row or row[0][5]:
            return ""
        if row[0][6]:
            return ("EBGM caution: the prior's fit ended at the edge of its parameter space (a background component "
                    "with no spread, as when most pairs are exactly as frequent as expected); EB05/EB95 are computed "
                    "with that prior. Read them beside PRR, ROR and IC.")
        return "EBGM caution: the prior's fit did not converge; read EBGM beside PRR, ROR and IC."

    def strata_kept(self) -> bool:
        """Whether the store keeps each PT's cases by stratum (``pt_strata``) made with the age bands of this
        service's definitions: an unfiltered stratified screening can then read them instead of every case."""
        if not query.rows(self.con, "store_has_table", table="stratum_bands")[0][0]:
            return False
        kept = [(label, float(lo), float(hi)) for label, lo, hi in query.rows(self.con, "store_strata_bands")]
        return kept == [(label, lo, hi) for label, (lo, hi) in self.definitions.settings.age_bands.items()]

    def serious_strata_kept(self) -> bool:
        """Whether the store also keeps each PT's cases by stratum and seriousness (``pt_strata_serious``) with the
        age bands of this service's definitions: a screening whose filters are whole strata sums them."""
        return self.strata_kept() and query.rows(self.con, "store_has_table", table="pt_strata_serious")[0][0]

    def notice(self) -> tuple[bool, str]:
        """(is_synthetic, the notice to show with any number from this store)."""
        return data_notice(self.con)

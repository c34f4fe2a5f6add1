"""MedDRA lookups on an open store: the version, SMQs and the hierarchy resolved to PTs, primary SOCs, unmapped terms.

Each function takes a DuckDB connection to a store and runs named queries of ``queries/meddra_*.sql``. Without
imported MedDRA, :func:`require` raises :class:`MeddraMissingError`, whose one line says how to import it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from explorer import query
from explorer.definitions import MEDDRA_IMPORT_HINT, Definitions, EventGroup, MeddraTerms
from explorer.errors import ExplorerError
from explorer.meddra.mapping import current_version

if TYPE_CHECKING:
    import duckdb

LEVELS = ("smq", "soc", "hlgt", "hlt")
SCOPES = ("narrow", "broad")
ALGORITHMIC_NOTE = ("is an algorithmic SMQ, used here by its narrow/broad term lists only (the algorithm that "
                    "combines its term categories is not applied)")


class MeddraMissingError(ExplorerError):
    """A MedDRA option was used on a store without imported MedDRA."""


class MeddraTermError(ExplorerError):
    """An SMQ, HLT, HLGT or SOC name is not one of the current MedDRA version's."""


def missing_message(db_path: str | Path | None = None) -> str:
    """The one line that says MedDRA is not imported and how to import it."""
    where = f" --db {db_path}" if db_path else ""
    return (f"{f'{db_path}: ' if db_path else ''}no MedDRA imported in this database; import your licensed MedDRA "
            f"ASCII files first: {MEDDRA_IMPORT_HINT}{where}")


def version_label(con: duckdb.DuckDBPyConnection) -> str | None:
    """The current MedDRA version for methods sections, captions and exports ('MedDRA 27.1 English'), or None.

    Every output whose numbers depend on MedDRA (event groups by SMQ or hierarchy, PTs mapped from reported terms,
    screening by SOC or HLT) should state it; without imported MedDRA it is None and reported terms are used as
    shipped.
    """
    found = current_version(con)
    return f"MedDRA {found[0]} {found[1]}" if found else None


def as_pts(con: duckdb.DuckDBPyConnection, terms: list[str] | tuple[str, ...]) -> list[str]:
    """Terms given as PTs, with every lowest-level term (current or not) of the current MedDRA version replaced by
    its PT; unchanged without imported MedDRA (reported terms are then used as shipped)."""
    if current_version(con) is None:
        return list(terms)
    out = []
    for term in terms:
        found = query.rows(con, "meddra_term_pt", term=term)
        out.append(found[0][0] if found else term)
    return out


def require(con: duckdb.DuckDBPyConnection, db_path: str | Path | None = None) -> str:
    """The current MedDRA version label.

    Raises:
        MeddraMissingError: the store holds no MedDRA.
    """
    label = version_label(con)
    if label is None:
        raise MeddraMissingError(missing_message(db_path))
    return label


def smq_pts(con: duckdb.DuckDBPyConnection, smq: str, scope: str = "narrow") -> tuple[str, tuple[str, ...], bool]:
    """The PTs of an SMQ of the current version.

    Args:
        con: a store with MedDRA.
        smq: the SMQ's name (any case) or code.
        scope: ``narrow`` (its narrow terms) or ``broad`` (narrow and broad terms).

    Returns:
        (the SMQ's name, its PTs, whether it is algorithmic: then only its term lists are used).

    Raises:
        MeddraTermError: no such SMQ, or an unknown scope.
    """
    if scope not in SCOPES:
        raise MeddraTermError(f"scope must be narrow or broad, not {scope!r}")
    found = query.run(con, "meddra_smq_find", smq=smq)
    if found.empty:
        raise MeddraTermError(f"no SMQ {smq!r} in {version_label(con)} (python -m explorer meddra list smq shows "
                              "them)")
    row = found.iloc[0]
    pts = tuple(query.run(con, "meddra_smq_pts", smq_code=int(row["smq_code"]), scope=scope)["pt"])
    return str(row["smq_name"]), pts, bool(row["is_algorithmic"])


def hierarchy_pts(con: duckdb.DuckDBPyConnection, level: str, name: str) -> tuple[str, ...]:
    """The PTs under an HLT, HLGT or SOC of the current version, in every axis (primary and secondary links).

    Raises:
        MeddraTermError: no such term at that level.
    """
    pts = tuple(query.run(con, "meddra_hierarchy_pts", level=level, term=name)["pt"])
    if not pts:
        raise MeddraTermError(f"no {level.upper()} {name!r} in {version_label(con)} (python -m explorer meddra list "
                              f"{level} shows them)")
    return pts


def resolve_terms(con: duckdb.DuckDBPyConnection, terms: MeddraTerms) -> tuple[tuple[str, ...], list[str]]:
    """The PTs of a set of MedDRA terms, and notes to show with them (algorithmic SMQs)."""
    pts: list[str] = []
    notes: list[str] = []
    for smq, scope in terms.smqs:
        name, found, algorithmic = smq_pts(con, smq, scope)
        pts.extend(found)
        if algorithmic:
            notes.append(f"{name} {ALGORITHMIC_NOTE}")
    for level, names in (("hlt", terms.hlts), ("hlgt", terms.hlgts), ("soc", terms.socs)):
        for name in names:
            pts.extend(hierarchy_pts(con, level, name))
    return tuple(dict.fromkeys(pts)), notes


def event_group(con: duckdb.DuckDBPyConnection, terms: MeddraTerms, name: str | None = None, title: str | None = None,
                pts: tuple[str, ...] = (), db_path: str | Path | None = None) -> EventGroup:
    """An event group of MedDRA terms (and optional PTs), resolved to PTs of the current version.

    The title says which terms, in which MedDRA version, and notes algorithmic SMQs, so that every description of
    the selection (captions, methods) carries them.

    Raises:
        MeddraMissingError: the store holds no MedDRA.
        MeddraTermError: a term is unknown.
    """
    label = require(con, db_path)
    resolved, notes = resolve_terms(con, terms)
    described = terms.describe()
    head = f"{title} ({described})" if title else described
    full_title = f"{head}; {label}" + "".join(f"; {n}" for n in notes)
    return EventGroup(name or f"meddra:{described}", full_title, tuple(dict.fromkeys((*pts, *resolved))))


def resolve_definitions(con: duckdb.DuckDBPyConnection, defs: Definitions,
                        db_path: str | Path | None = None) -> Definitions:
    """The definitions with their MedDRA-based event groups resolved against this store's current version.

    Groups that cannot be resolved (no MedDRA imported, an unknown term) stay unusable, with the reason.
    """
    if not defs.meddra_groups:
        return defs
    events = dict(defs.events)
    unresolved = dict(defs.unresolved)
    has_meddra = version_label(con) is not None
    for name, (group, terms) in defs.meddra_groups.items():
        if not has_meddra:
            unresolved[name] = (f"event group {name!r} names MedDRA terms ({terms.describe()}): "
                                + missing_message(db_path))
            continue
        try:
            events[name] = event_group(con, terms, name, group.title, group.pts, db_path)
        except ExplorerError as e:
            unresolved[name] = f"event group {name!r}: {e}"
            continue
        unresolved.pop(name, None)
    return replace(defs, events=events, unresolved=unresolved)


def names(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    """The SMQs, SOCs, HLGTs or HLTs of the current version (``name``, ``code``, ``is_algorithmic``)."""
    if level not in LEVELS:
        raise MeddraTermError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    return query.run(con, "meddra_names", level=level)


def primary_soc(con: duckdb.DuckDBPyConnection, pts: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """The primary SOC (and the primary path's HLGT and HLT) of PTs of the current version."""
    return query.run(con, "meddra_primary_soc", pts=[p.lower() for p in pts])


def case_reactions(con: duckdb.DuckDBPyConnection, caseid: int | str) -> pd.DataFrame:
    """One case's reported terms, the PT each maps to, how, and the PT's primary SOC."""
    return query.run(con, "meddra_case_reactions", caseid=int(str(caseid).strip()))


def unmapped(con: duckdb.DuckDBPyConnection, limit: int = 1000) -> pd.DataFrame:
    """Reported terms of current cases that map to no current PT (``term``, ``n_cases``, ``n_rows``)."""
    return query.run(con, "meddra_unmapped", limit=int(limit))


def mapping_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """How reported terms map: ``matched_by`` (pt, llt, older_version, unmapped), ``n_terms``, ``n_rows``,
    ``n_cases`` (distinct current cases)."""
    return query.run(con, "meddra_mapping_summary")


def versions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The imported MedDRA versions, the current one first."""
    return query.run(con, "meddra_versions")

"""Import a MedDRA ASCII distribution into the store, atomically, and map the reported terms to its PTs.

Like a load, an import never writes into the live database: it copies it, imports there, remaps every reaction row
to the current version's PTs, and swaps the copy in (``explorer.load.building``). A bad distribution is
refused before anything is copied.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from explorer import __version__, query
from explorer.meddra.ascii import Distribution, read_distribution
from explorer.meddra.mapping import current_version
from explorer.meddra.statements import run_step
from explorer.progress import Reporter, reporter
from explorer.store.reader import connect

if TYPE_CHECKING:
    import duckdb

# file of the distribution -> the step of build.sql that inserts it
INSERTS = ("soc", "hlgt", "hlt", "pt", "llt", "soc_hlgt", "hlgt_hlt", "hlt_pt", "mdhier", "smq_list", "smq_content")

Progress = Reporter | Callable[[str], None]


@dataclass
class ImportSummary:
    """What one ``meddra import`` did.

    Attributes:
        action: ``imported``, ``replaced`` (the version was imported before from other files), ``made current``
            (already imported from the same files; now current) or ``unchanged``.
        is_current: the imported version is the current one after the import.
        current: the current version after the import.
        counts: records per kind (llt, pt, hlt, hlgt, soc, smq).
        mapping: rows of the mapping summary (``matched_by``, ``n_terms``, ``n_rows``, ``n_cases``).
        touched_cases: the cases whose PTs changed with the map (their counts were recomputed).
        seconds: per phase (``read``, ``import``, ``remap`` and its parts ``remap_*``, ``rescore``, ``total``).
    """

    db_path: Path
    version: str
    language: str
    source: str
    action: str = "unchanged"
    is_current: bool = False
    current: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    mapping: list[dict] = field(default_factory=list)
    touched_cases: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def version_key(version: str) -> tuple[int, ...]:
    """A sortable key of a MedDRA version string ('27.1' -> (27, 1))."""
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def _imported(db_path: Path) -> dict[str, tuple[str, bool]]:
    """{version: (sha256, is_current)} of the MedDRA versions in the store (which must be a current store)."""
    con = connect(db_path)
    try:
        if current_version(con) is None:
            return {}
        return {v: (sha, cur) for v, sha, cur in query.rows(con, "meddra_imported_versions")}
    finally:
        con.close()


def _insert(con: duckdb.DuckDBPyConnection, dist: Distribution) -> None:
    run_step(con, "tables")
    run_step(con, "forget_version", version=dist.version)
    run_step(con, "prune")
    for name in INSERTS:
        frame = dist.tables[name]
        con.register("asc_frame", frame)
        try:
            run_step(con, f"insert_{name}", version=dist.version)
        finally:
            con.unregister("asc_frame")
    run_step(con, "insert_version", version=dist.version, language=dist.language, source=str(dist.folder),
             sha256=dist.sha256, n_llt=dist.count("llt"), n_pt=dist.count("pt"), n_hlt=dist.count("hlt"),
             n_hlgt=dist.count("hlgt"), n_soc=dist.count("soc"), n_smq=dist.count("smq_list"),
             tool_version=__version__)


def import_distribution(folder: str | Path, db_path: str | Path, make_current: bool = False,
                        progress: Progress | None = None) -> ImportSummary:
    """Import a MedDRA ASCII distribution into a store and map its reported terms to the current version's PTs.

    The imported version becomes the current one when the store has none, when it is at least as recent as every
    version imported, or when ``make_current`` is set. Importing a version again from the same files changes
    nothing (unless it is to become current); from other files, it replaces the earlier import.

    Args:
        folder: the distribution's folder or its ``MedAscii`` folder.
        db_path: a store built by this version of the tool.
        make_current: make this version the current one even if a more recent version is imported.
        progress: called with one line of text as the import advances.

    Returns:
        What was done, the counts, how the reported terms map, and the time of each phase.

    Raises:
        MeddraFileError: the distribution is incomplete or malformed (the store is untouched).
        ExplorerError: no store at ``db_path``, or one built by another version of the tool.
        DatabaseLockedError: another process holds the store for writing.
    """
    from explorer.load import building
    from explorer.scoring import score_pairs
    from explorer.store.update import remap_reactions

    say = reporter(progress)
    started = time.perf_counter()
    db_path = Path(db_path)
    with say.step(f"reading the MedDRA distribution in {folder}"):
        dist = read_distribution(folder)
    summary = ImportSummary(db_path, dist.version, dist.language, str(dist.folder),
                            counts={k: dist.count(f) for k, f in (("llt", "llt"), ("pt", "pt"), ("hlt", "hlt"),
                                                                    ("hlgt", "hlgt"), ("soc", "soc"),
                                                                    ("smq", "smq_list"))})
    summary.seconds["read"] = time.perf_counter() - started
    imported = _imported(db_path)
    current = next((v for v, (_, cur) in imported.items() if cur), None)
    same_files = imported.get(dist.version, ("", False))[0] == dist.sha256
    newest = all(version_key(dist.version) >= version_key(v) for v in imported)
    becomes_current = make_current or current is None or current == dist.version or newest
    if same_files and (current == dist.version or not becomes_current):
        summary.action, summary.current = "unchanged", current
        summary.is_current = current == dist.version
        summary.seconds["total"] = time.perf_counter() - started
        return summary
    with building(db_path) as con:
        step = time.perf_counter()
        if not same_files:
            with say.step(f"importing MedDRA {dist.version} ({dist.language}): {dist.count('llt'):,} LLTs, "
                          f"{dist.count('pt'):,} PTs, {dist.count('smq_list'):,} SMQs"):
                _insert(con, dist)
        run_step(con, "make_current", version=dist.version if becomes_current else current)
        summary.seconds["import"] = time.perf_counter() - step
        step = time.perf_counter()
        phases: dict[str, float] = {}
        with say.step("mapping every reported term to the current version's PTs and rebuilding what depends on them"):
            summary.touched_cases = remap_reactions(con, phases)
        summary.seconds["remap"] = time.perf_counter() - step
        summary.seconds.update({f"remap_{k}": v for k, v in phases.items()})
        step = time.perf_counter()
        with say.step("fitting the EBGM priors again and scoring every ingredient-PT pair"):
            score_pairs(con)
        summary.seconds["rescore"] = time.perf_counter() - step
        summary.mapping = query.run(con, "meddra_mapping_summary").to_dict(orient="records")
        summary.action = ("made current" if same_files else "replaced" if dist.version in imported else "imported")
        now = current_version(con)
        summary.current = now[0] if now else None
        summary.is_current = summary.current == dist.version
    summary.seconds["total"] = time.perf_counter() - started
    return summary

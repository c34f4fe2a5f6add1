"""Update the deduplicated model after new quarters, recomputing only what they touch.

The full build (``explorer.store.build.rebuild_core``) writes every model table from every raw row. When the quarters
just loaded are all newer than every quarter loaded before, the same tables can be brought to the same rows by
recomputing only the *touched* cases (see ``update.sql``, step ``touched_cases``): their report versions, their
current report and every child row of it, the probable-duplicate groups of their blocks, and the counts that sum
over cases (vocabularies and pair counts) by difference: the touched cases' old contributions out, their new ones in.
The rows themselves come from the macros of ``core.sql`` that the full build uses. The prior fit and the scoring of
every pair (``explorer.scoring``) are then run in full by the caller, as after a full build; the counts by stratum
keys it keeps are adjusted by the touched cases' differences found here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from explorer.store.build import (
    _register_vocab,
    core_statement,
    define_macros,
    run_store_step,
    set_constants,
    write_meta,
)

# The child tables, in the order they are rewritten (cases reads outcomes; drug_ingredients reads drugs; reactions
# reads pt_names; reaction_index reads reactions).
CHILD_STEPS = ("update_outcomes", "update_cases", "update_drugs", "update_drug_ingredients", "update_reactions",
               "rename_pts", "update_reaction_index", "update_therapies", "update_indications",
               "update_report_sources")
DELTA_STEPS = ("delta_pairs", "delta_suspects", "delta_ingredient_vocab", "delta_route_vocab", "delta_pt_vocab",
               "delta_collapsed")
COUNT_STEPS = ("update_ingredient_vocab", "update_route_vocab", "update_pt_vocab", "update_pair_case_counts",
               "update_ingredient_case_counts")


# the deltas a MedDRA remap changes: no drug row moves, only the PTs of reaction rows
PT_DELTA_STEPS = ("delta_pairs", "delta_pt_vocab")
# the differences of the counts by stratum keys that the scoring keeps (explorer.scoring.stratified_expected)
STRATA_DELTA_STEPS = ("touched_strata_keys", "delta_strata_cases", "delta_strata_ingredients", "delta_strata_pts")


def _contributions(con, sign: int, steps: tuple[str, ...] = DELTA_STEPS) -> None:
    """Add the touched cases' current model rows to the deltas ``steps`` with ``sign`` (-1 before the update, +1
    after)."""
    run_store_step(con, "touched_rows")
    for step in steps:
        run_store_step(con, step, **({} if step == "touched_strata_keys" else {"sign": sign}))
    run_store_step(con, "dup_blocks")


def _stopwatch(timings: dict | None, advance: Callable[[float], None] | None = None) -> Callable[[str], None]:
    """A ``lap(name)`` that records the seconds since the previous lap as ``timings[name]`` and advances a bar."""
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        if timings is not None:
            timings[name] = now - clock[0]
        clock[0] = now
        if advance is not None:
            advance(1)
    return lap


UPDATE_PHASES = 4
"""The phases :func:`update_core` reports (vocabulary, old rows, child tables, counts)."""


def update_core(con, since: str, timings: dict | None = None,
                advance: Callable[[float], None] | None = None, strata_deltas: bool = True) -> int:
    """Bring the model up to date with the quarters from ``since`` on, which were just added to the raw tables.

    The caller guarantees what makes this equal to a full build: the store's model is of this model version and
    was built from exactly the raw rows older than ``since``, and every new raw row is of quarter ``since`` or later.

    Args:
        con: a read-write connection to a build file holding the raw tables and the previous model.
        since: the oldest of the new quarters, e.g. ``2020q1``.
        timings: receives the seconds of each phase when given.
        advance: called with 1 after each of the :data:`UPDATE_PHASES` phases.
        strata_deltas: also find the touched cases' differences of the counts by stratum keys the store keeps
            (``delta_strata_*``, when it keeps them), for :func:`explorer.scoring.score_pairs` with
            ``strata_deltas=True`` on this connection.

    Returns:
        The number of touched cases (new, updated, deleted, or with drugs whose names now map differently).
    """
    from explorer.meddra.mapping import record_term_map, register_term_map

    lap = _stopwatch(timings, advance)
    set_constants(con)
    run_store_step(con, "old_maps")
    run_store_step(con, "add_drug_name_counts", since=since)
    run_store_step(con, "add_drug_routes", since=since)
    run_store_step(con, "add_pt_spellings", since=since)
    _register_vocab(con)
    register_term_map(con)
    run_store_step(con, "changed_maps")
    lap("vocabulary_s")
    run_store_step(con, "touched_cases", since=since)
    touched = (run_store_step(con, "count_touched").fetchone() or (0,))[0]
    run_store_step(con, "version_source")
    define_macros(con)  # after version_source: version_rows reads the update's scoped DEMO rows
    run_store_step(con, "create_deltas")
    steps: tuple[str, ...] = DELTA_STEPS
    if strata_deltas and (run_store_step(con, "strata_kept").fetchone() or (False,))[0]:
        run_store_step(con, "create_strata_deltas")  # read by the scoring that follows (strata_deltas=True)
        steps += STRATA_DELTA_STEPS
    _contributions(con, -1, steps)
    lap("touched_s")
    run_store_step(con, "remove_versions")
    run_store_step(con, "insert_versions")
    con.execute(core_statement("deleted_cases"))
    run_store_step(con, "current_reports")
    for step in CHILD_STEPS:
        run_store_step(con, step)
    lap("child_tables_s")
    _contributions(con, +1, steps)
    run_store_step(con, "dup_scope")
    run_store_step(con, "update_probable_duplicates")
    for step in COUNT_STEPS:
        run_store_step(con, step)
    con.execute(core_statement("pair_counts"))
    run_store_step(con, "update_collapsed_rows")
    con.execute(core_statement("dedup_flow"))
    record_term_map(con)
    write_meta(con)
    lap("counts_s")
    return int(touched)


def remap_reactions(con, timings: dict | None = None) -> int:
    """Map every reaction row to the current MedDRA version's PTs again, after a MedDRA import, recomputing only
    what changes.

    A reaction row's PT (``pt_key``, ``pt_name``) is a function of its reported term, and no row appears or vanishes
    when the map changes. So only the terms that now map to another PT, or whose PT has another name, are rewritten
    in ``reactions``; the cases reporting a term that moved (the *touched* cases) get their rows of the PT index
    again; the PT vocabulary and the pair counts change by the touched cases' old and new contributions; the
    probable-duplicate groups are formed again over their blocks. The result equals a full build under the new map
    (tests/test_meddra.py compares every table). The caller then scores every pair again
    (``explorer.scoring.score_pairs``).

    Args:
        con: a read-write connection to a build file (see ``explorer.load.building``) whose ``meddra_versions``
            already says which version is current.
        timings: receives the seconds of each phase when given.

    Returns:
        The number of touched cases.
    """
    from explorer.meddra.mapping import record_term_map, register_term_map

    lap = _stopwatch(timings)
    register_term_map(con)
    define_macros(con)  # pt_names under the new map, and the *_rows macros
    run_store_step(con, "remap_terms")
    run_store_step(con, "remap_touched_cases")
    touched = (run_store_step(con, "count_touched").fetchone() or (0,))[0]
    run_store_step(con, "create_deltas")
    _contributions(con, -1, PT_DELTA_STEPS)
    lap("terms_s")
    run_store_step(con, "remap_reactions")
    run_store_step(con, "update_reaction_index")
    lap("reactions_s")
    _contributions(con, +1, PT_DELTA_STEPS)
    run_store_step(con, "dup_scope")
    run_store_step(con, "update_probable_duplicates")
    for step in ("update_pt_vocab", "update_pair_case_counts"):
        run_store_step(con, step)
    con.execute(core_statement("pair_counts"))
    run_store_step(con, "update_collapsed_rows")
    con.execute(core_statement("dedup_flow"))
    record_term_map(con)
    run_store_step(con, "set_meta", key="built_at", value=datetime.now(UTC).isoformat(timespec="seconds"))
    lap("counts_s")
    return int(touched)

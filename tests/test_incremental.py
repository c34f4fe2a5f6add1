"""Adding quarters incrementally gives the store a full build gives (issue 18), and the fallbacks to a full build.

Synthetic eras made with the project's generator (follow-ups across quarters, second-source duplicates, deleted
lists, the LAERS -> FAERS boundary), plus one hand-made quarter that follows up, deletes and duplicates cases of the
store it is added to. Every table of the store is compared row for row (floats to 1e-9); in the child tables each
case's rows stay together, in sorted runs (the full build's, then one per update), so a case still reads few row groups.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from explorer.load import PATH_FULL, PATH_INCREMENTAL, load
from explorer.store.schema import MODEL_VERSION
from explorer.synth.generator import generate
from tests.helpers import dup_case, report, write_quarter

# Columns that say when something ran, not what the data are.
VOLATILE = {("load_log", "loaded_at"), ("ebgm_prior", "fitted_at"), ("ebgm_prior_stratified", "fitted_at")}
VOLATILE_META = ("built_at",)
SORTED_BY_CASE = ("cases", "drugs", "reactions", "outcomes", "therapies", "indications", "report_sources",
                  "probable_duplicates")


def snapshot(db: Path) -> dict[str, pd.DataFrame]:
    """Every table of the store's main schema, its rows in a defined order (exact columns first, floats last)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]
        out = {}
        for t in tables:
            cols = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_schema = 'main' AND table_name = $t ORDER BY ordinal_position",
                               {"t": t}).fetchall()
            cols = [(c, k) for c, k in cols if (t, c) not in VOLATILE]
            exact = [f'CAST("{c}" AS VARCHAR) AS "{c}"' for c, k in cols if k not in ("DOUBLE", "FLOAT")]
            floats = [f'"{c}"' for c, k in cols if k in ("DOUBLE", "FLOAT")]
            where = " WHERE key NOT IN ('built_at')" if t == "meta" else ""
            order = ", ".join(str(i) for i in range(1, len(exact) + len(floats) + 1))
            out[t] = con.execute(f"SELECT {', '.join(exact + floats)} FROM \"{t}\"{where} ORDER BY {order}").df()
        return out
    finally:
        con.close()


def assert_same_store(db: Path, reference: Path) -> None:
    """The two stores hold the same tables with the same rows (floats to 1e-9)."""
    got, want = snapshot(db), snapshot(reference)
    assert sorted(got) == sorted(want)
    for t in want:
        g, w = got[t], want[t]
        assert list(g.columns) == list(w.columns), t
        assert len(g) == len(w), f"{t}: {len(g)} rows incrementally, {len(w)} in the full build"
        for c in w.columns:
            if pd.api.types.is_float_dtype(w[c]):
                np.testing.assert_allclose(g[c].to_numpy(float), w[c].to_numpy(float), rtol=1e-9, atol=1e-9,
                                           equal_nan=True, err_msg=f"{t}.{c}")
            else:
                mismatch = (g[c].fillna("<NULL>") != w[c].fillna("<NULL>"))
                assert not mismatch.any(), f"{t}.{c}: first differing row {g[mismatch].head(1).to_dict('records')} " \
                                           f"vs {w[mismatch].head(1).to_dict('records')}"


def assert_sorted_by_case(db: Path, updates: int = 1) -> None:
    """Each case's rows are contiguous, in at most one sorted run per load (the build's and each update's)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        for t in SORTED_BY_CASE:
            descents = con.execute(f"SELECT count(*) FROM (SELECT caseid, lag(caseid) OVER (ORDER BY rowid) AS prev "
                                   f"FROM {t}) WHERE caseid < prev").fetchone()[0]
            assert descents <= updates, f"{t}: {descents} sorted runs after the build for {updates} update(s)"
            scattered = con.execute(f"SELECT count(*) FROM (SELECT caseid FROM {t} GROUP BY caseid "
                                    "HAVING max(rowid) - min(rowid) + 1 <> count(*))").fetchone()[0]
            assert scattered == 0, f"{t}: {scattered} cases with rows scattered over the table"
    finally:
        con.close()


def query(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def boundary_era(tmp_path_factory) -> list[Path]:
    """2012Q2-2013Q1: two LAERS quarters, then FAERS (follow-ups cross the boundary as FAERS version 1)."""
    out = tmp_path_factory.mktemp("boundary")
    generate(out, ["2012q2", "2012q3", "2012q4", "2013q1"], scale=0.003, seed=7)
    return sorted(out.glob("*.zip"))


@pytest.fixture(scope="module")
def deletion_era(tmp_path_factory) -> list[Path]:
    """2018Q4-2019Q3: FDA's deleted lists start in 2019Q1."""
    out = tmp_path_factory.mktemp("deletions")
    generate(out, ["2018q4", "2019q1", "2019q2", "2019q3"], scale=0.002, seed=3)
    return sorted(out.glob("*.zip"))


def test_quarters_across_the_laers_faers_boundary_added_one_by_one_equal_a_full_build(boundary_era, tmp_path):
    full = tmp_path / "full.duckdb"
    assert load(boundary_era, full).path == PATH_FULL
    inc = tmp_path / "inc.duckdb"
    load(boundary_era[:2], inc)
    for z in boundary_era[2:]:
        s = load([z], inc)
        assert s.path == PATH_INCREMENTAL and s.touched_cases and not s.rebuilt, s.path_reason
        assert s.timings["strata_adjusted"]  # the kept counts by stratum adjusted, not counted again
    assert_same_store(inc, full)
    assert_sorted_by_case(inc, updates=2)
    # what the era exercised: LAERS cases followed up in FAERS, follow-ups, probable duplicates
    linked = query(inc, "SELECT count(*) FROM (SELECT caseid FROM case_versions GROUP BY caseid "
                        "HAVING bool_or(is_laers) AND NOT bool_and(is_laers))")[0][0]
    assert linked > 0
    assert query(inc, "SELECT count(*) FROM cases WHERE n_versions > 1 AND quarter >= '2012q4'")[0][0] > 0
    assert query(inc, "SELECT count(*) FROM probable_duplicates")[0][0] > 0


def _follow_ups_deletions_duplicates(db: Path, folder: Path) -> tuple[Path, dict]:
    """A hand-made 2019Q4 over the store at ``db``: two current cases followed up (one of them now the same event as
    a new case: a probable duplicate across quarters), two deleted (one the first case of a probable-duplicate
    group), and one new case."""
    followed = [c for (c,) in query(db, "SELECT caseid FROM cases WHERE quarter = '2019q1' ORDER BY caseid LIMIT 2")]
    group_head = query(db, "SELECT min(duplicate_of) FROM probable_duplicates")[0][0]
    deleted = [c for (c,) in query(db, "SELECT caseid FROM cases WHERE quarter = '2018q4' AND caseid <> $g "
                                       "ORDER BY caseid LIMIT 1", {"g": group_head})] + [group_head]
    rows: dict[str, list[dict[str, str]]] = {"demo": [], "drug": [], "reac": []}
    # a follow-up that now reports the same event as a case sent by another source this quarter
    a_demo, a_drug, a_reac = dup_case(f"{followed[0]}9", str(followed[0]), "20191105")
    a_demo["caseversion"] = "9"
    b_demo, b_drug, b_reac = dup_case("9100000011", "910000001", "20191201")
    # a follow-up that changes the drugs and reactions
    c_demo = report(f"{followed[1]}9", str(followed[1]), "9", "20191110", sex="M", age="40", age_cod="YR")
    c_drug = [{"primaryid": f"{followed[1]}9", "caseid": str(followed[1]), "drug_seq": "1", "role_cod": "PS",
               "drugname": "KENALOG-40", "route": "Epidural"}]
    c_reac = [{"primaryid": f"{followed[1]}9", "caseid": str(followed[1]), "pt": "Headache"}]
    for demo, drug, reac in ((a_demo, a_drug, a_reac), (b_demo, b_drug, b_reac), (c_demo, c_drug, c_reac)):
        rows["demo"].append(demo)
        rows["drug"] += drug
        rows["reac"] += reac
    zip_path = write_quarter(folder, "2019q4", rows, deleted=[str(c) for c in deleted])
    return zip_path, {"followed": followed, "deleted": deleted, "new": 910000001}


def test_follow_ups_deletions_and_duplicates_across_quarters_equal_a_full_build(deletion_era, tmp_path):
    inc = tmp_path / "inc.duckdb"
    load(deletion_era[:3], inc)
    assert load(deletion_era[3:], inc).path == PATH_INCREMENTAL
    q4, made = _follow_ups_deletions_duplicates(inc, tmp_path / "q4")
    before = {c: p for c, p in query(inc, "SELECT caseid, primaryid FROM cases")}
    assert all(c in before for c in made["followed"] + made["deleted"])
    s = load([q4], inc)
    assert s.path == PATH_INCREMENTAL and s.timings["strata_adjusted"], s.path_reason
    full = tmp_path / "full.duckdb"
    load([*deletion_era, q4], full)
    assert_same_store(inc, full)
    assert_sorted_by_case(inc, updates=2)
    after = {c: p for c, p in query(inc, "SELECT caseid, primaryid FROM cases")}
    assert not any(c in after for c in made["deleted"])  # deleted: gone with all their versions
    for c in made["followed"]:  # followed up: the new version is current, the old one left every child table
        assert after[c] == f"{c}9"
        assert query(inc, "SELECT count(*) FROM drugs WHERE caseid = $c AND primaryid <> $p",
                     {"c": c, "p": f"{c}9"})[0][0] == 0
        assert query(inc, "SELECT count(*) FROM reactions WHERE caseid = $c AND primaryid <> $p",
                     {"c": c, "p": f"{c}9"})[0][0] == 0
    assert query(inc, "SELECT duplicate_of FROM probable_duplicates WHERE caseid = $c",
                 {"c": made["new"]}) == [(made["followed"][0],)]
    assert query(inc, "SELECT n FROM dedup_flow WHERE step = 'deleted_cases'")[0][0] >= 2


def _republished(zip_path: Path, folder: Path) -> Path:
    """The same quarter's zip with other bytes (a comment added): a new sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / zip_path.name
    shutil.copyfile(zip_path, copy)
    with zipfile.ZipFile(copy, "a") as zf:
        zf.comment = b"re-published"
    return copy


def test_a_quarter_older_than_the_newest_loaded_rebuilds(boundary_era, tmp_path):
    db = tmp_path / "db.duckdb"
    load([boundary_era[0], boundary_era[2]], db)
    s = load([boundary_era[1]], db)
    assert s.path == PATH_FULL and s.rebuilt and "older than the newest loaded (2012q4)" in s.path_reason


def test_a_republished_quarter_rebuilds(boundary_era, tmp_path):
    db = tmp_path / "db.duckdb"
    load(boundary_era[:2], db)
    s = load([_republished(boundary_era[1], tmp_path / "again")], db)
    assert s.replaced == ["2012q3"]
    assert s.path == PATH_FULL and "re-published" in s.path_reason and "2012q3" in s.path_reason


def test_another_model_version_rebuilds(boundary_era, tmp_path):
    db = tmp_path / "db.duckdb"
    load(boundary_era[:2], db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = $v WHERE key = 'model_version'", {"v": str(MODEL_VERSION - 1)})
    con.close()
    s = load([boundary_era[2]], db)
    assert s.path == PATH_FULL and f"model version {MODEL_VERSION - 1}" in s.path_reason


def test_asking_for_a_rebuild_rebuilds(boundary_era, tmp_path):
    db = tmp_path / "db.duckdb"
    load(boundary_era[:2], db)
    s = load([boundary_era[2]], db, rebuild=True)
    assert s.path == PATH_FULL and "rebuild was asked" in s.path_reason

"""Benchmark: adding one quarter to a store incrementally, against the full rebuild of the same data (issue 18).

Loads every quarter but the newest into a store (a full build), then, each in a fresh process on its own copy of
that store:

- ``incremental``: ``load`` of the newest quarter (only the cases it touches are recomputed);
- ``full rebuild``: ``load --rebuild`` of the same quarter (the whole model rebuilt from every raw row);

and, from scratch, the full load of every quarter. Each load's phases are recorded (the copy of the live file, the
quarter's raw tables, the model, the checkpoint), and the incremental store is checked against the one loaded from
scratch (the deduplication flow and the pair table). The demo data (``data/demo``) by default; ``--zips DIR`` for a
folder of quarterly zips, e.g. bench/.cache/full-history (88 full-scale quarters, about 45 minutes).

Usage: python bench/bench_incremental.py [--zips DIR] [--keep DIR]
       python bench/bench_incremental.py --zips DIR --keep DIR --scratch-only   (the load from scratch alone, kept
           in DIR/scratch.duckdb with its measurement in bench/results/incremental-full-scratch.json: other
           benchmarks can then run on that store before the rest of this one)
       python bench/bench_incremental.py --zips DIR --keep DIR --reuse-scratch  (the rest, with that measurement)
Writes bench/results/incremental-demo.json (or incremental-full.json with --zips) and its section of BENCHMARKS.md
(between the bench_incremental markers).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, RESULTS, machine, measured, put_section, save  # noqa: E402

TARGETS = {"incremental_s": 120.0, "ratio": 0.2, "scratch_s": 15 * 60.0}
BEGIN, END = "<!-- bench_incremental: begin -->", "<!-- bench_incremental: end -->"

LOAD_CODE = """
import json, sys
from explorer.load import load
s = load(sys.argv[3:], sys.argv[2], rebuild=sys.argv[1] == "rebuild")
print(json.dumps({"path": s.path, "reason": s.path_reason, "touched": s.touched_cases, "seconds": s.seconds,
                  "timings": s.timings, "loaded": s.loaded}))
"""

BASE_CODE = """
import json, sys
import duckdb
from explorer.load import load, remove_quarter
con = duckdb.connect(sys.argv[1])
remove_quarter(con, sys.argv[2])
con.close()
s = load([], sys.argv[1], rebuild=True)
print(json.dumps({"path": s.path, "reason": s.path_reason, "touched": s.touched_cases, "seconds": s.seconds,
                  "timings": s.timings, "loaded": s.loaded}))
"""

COMPACT_CODE = """
import sys
import duckdb
con = duckdb.connect()
con.execute("SET preserve_insertion_order = true")
con.execute(f"ATTACH '{sys.argv[1]}' AS src (READ_ONLY)")
con.execute(f"ATTACH '{sys.argv[2]}' AS dst")
con.execute("COPY FROM DATABASE src TO dst")
"""

FACTS_CODE = """
import json, os, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
q = lambda sql: con.execute(sql).fetchall()
print(json.dumps({
    "bytes": os.path.getsize(sys.argv[1]),
    "flow": q("SELECT step, n FROM dedup_flow ORDER BY step_no"),
    "pairs": q("SELECT count(*), sum(a) FROM signal_pairs")[0],
    "prior": q("SELECT alpha1, beta1, alpha2, beta2, p FROM ebgm_prior")[0],
    "prior_stratified": q("SELECT alpha1, beta1, alpha2, beta2, p FROM ebgm_prior_stratified")[0],
    # the kept counts by stratum and seriousness, summed in ways that a wrong stratum, PT or count would change
    "strata": q("SELECT count(*), sum(n_cases), sum(n_cases * (s + 1)), sum(hash(pt_key, s, is_serious, n_cases)) "
                "FROM pt_strata_serious")[0],
    "raw_demo_rows": q("SELECT count(*) FROM raw_demo")[0][0],
}))
"""


def _load(mode: str, db: Path, zips: list[Path]) -> dict:
    seconds, peak, out = measured(LOAD_CODE, mode, str(db), *map(str, zips))
    r = json.loads(out.strip().splitlines()[-1])
    r.update(wall_s=seconds, peak_mb=peak)
    return r


def _facts(db: Path) -> dict:
    return json.loads(measured(FACTS_CODE, str(db))[2].strip().splitlines()[-1])


def _compact(src: Path, dst: Path) -> None:
    """Copy the store ``src`` to ``dst`` table by table, in row order: a file without the free blocks that a rebuild
    in place leaves behind (the file a load from scratch writes)."""
    dst.unlink(missing_ok=True)
    measured(COMPACT_CODE, str(src), str(dst))


def _base_from_scratch(scratch: Path, base: Path, newest: str) -> dict:
    """The store of every quarter but the newest, made from the store of them all: its newest quarter's raw rows
    removed and the model rebuilt (the raw rows a load of the older quarters writes; saves their ingest), then
    compacted as a load from scratch writes it."""
    _compact(scratch, base)
    seconds, peak, out = measured(BASE_CODE, str(base), newest)
    tight = base.with_name("base-compact.duckdb")
    _compact(base, tight)
    tight.replace(base)
    r = json.loads(out.strip().splitlines()[-1])
    r.update(wall_s=seconds, peak_mb=peak, made="from the store of every quarter, its newest quarter removed and "
                                                 "the model rebuilt")
    return r


def run(zips: list[Path], work: Path, data: str, from_scratch: dict | None = None, rebuild: bool = True,
        base_from_scratch: bool = False, reuse_base: dict | None = None, reuse_rebuild: dict | None = None) -> dict:
    """Time the three loads over ``zips`` (the last one is the quarter added) in ``work``.

    ``from_scratch``: the measurement of the load of every quarter into ``work/scratch.duckdb``, made earlier
    (``--scratch-only``); it is loaded here when not given. ``base_from_scratch``: the store of the older quarters is
    made from that store (:func:`_base_from_scratch`) instead of loading them again; ``reuse_base``: the measurement
    of such a base made by an earlier run and kept in ``work/base.duckdb``; ``reuse_rebuild``: the measurement of
    ``load --rebuild`` onto that base by the earlier run (the section says so). Each copy is removed once measured
    (a full-scale store is 11 GB or more).
    """
    base, inc, reb, scratch = (work / f"{n}.duckdb" for n in ("base", "incremental", "rebuild", "scratch"))
    if from_scratch is None:
        from_scratch = _load("load", scratch, zips)
    scratch_facts = _facts(scratch)
    if base_from_scratch and reuse_base is not None:
        base_load = reuse_base  # made by an earlier run from the same scratch store (the newest quarter removed)
    elif base_from_scratch:
        base_load = _base_from_scratch(scratch, base, zips[-1].stem.split("_")[-1].lower())
    else:
        base_load = _load("load", base, zips[:-1])
    base_facts = _facts(base)
    shutil.copyfile(base, inc)
    incremental = _load("load", inc, zips[-1:])
    inc_facts = _facts(inc)
    inc.unlink()
    rebuilt = reuse_rebuild
    if rebuild and reuse_rebuild is None:
        shutil.copyfile(base, reb)
        rebuilt = _load("rebuild", reb, zips[-1:])
        reb.unlink()
    same = (inc_facts["flow"] == scratch_facts["flow"] and inc_facts["pairs"] == scratch_facts["pairs"]
            and inc_facts["strata"] == scratch_facts["strata"]
            and all(abs(a - b) <= 1e-9 * max(1.0, abs(b))
                    for name in ("prior", "prior_stratified")
                    for a, b in zip(inc_facts[name], scratch_facts[name], strict=True)))
    return {"data": data, "quarters": len(zips), "added": zips[-1].name,
            "zip_mb_added": zips[-1].stat().st_size / 1e6, "zip_mb_all": sum(z.stat().st_size for z in zips) / 1e6,
            "base": base_load, "base_facts": base_facts, "incremental": incremental, "rebuild": rebuilt,
            "scratch": from_scratch, "facts": scratch_facts, "same_as_scratch": same,
            "ratio": incremental["wall_s"] / rebuilt["wall_s"] if rebuilt else None, "machine": machine()}


def rebuild_rows(r: dict, verdict) -> list[str]:
    """The full rebuild's rows; without a `load --rebuild` in the run, the model phase of the load from scratch (the
    same model built from the same raw rows) stands beside the incremental load, and the ratio is not claimed."""
    reb = r["rebuild"]
    if reb is not None:
        t = reb["timings"]
        earlier = f", measured in the run before this one ({reb['measured_at']})" if "measured_at" in reb else ""
        return [f"| `load --rebuild` of the same quarter, the whole model rebuilt (copy {t.get('copy_s', 0):.1f} s, "
                f"quarter's raw tables {t.get('load_s', 0):.1f} s, model {t.get('model_s', 0):.1f} s, checkpoint "
                f"{t.get('checkpoint_s', 0):.1f} s){earlier} | {reb['wall_s']:.1f} s (peak {reb['peak_mb']:,.0f} MB) "
                "| |",
                f"| ratio incremental / full rebuild | {r['ratio']:.2f} | ≤ {TARGETS['ratio']} at full scale: "
                f"{verdict(r['ratio'] <= TARGETS['ratio'])} |"]
    model = r["scratch"]["timings"].get("model_s", 0)
    return ["| `load --rebuild` | not run in this session (time) | |",
            f"| the model built from the same raw rows, as in the load from scratch below (what a rebuild redoes) | "
            f"{model:.1f} s | |",
            f"| ratio incremental / that model build | {r['incremental']['wall_s'] / model:.2f} (an indication, not "
            f"the measured ratio) | ≤ {TARGETS['ratio']} at full scale: not measured |"]


def section(r: dict) -> list[str]:
    """The lines of this benchmark's section of BENCHMARKS.md."""
    m, inc, scr = r["machine"], r["incremental"], r["scratch"]
    flow = dict((k, v) for k, v in r["facts"]["flow"])
    before = dict((k, v) for k, v in r["base_facts"]["flow"])
    full = r["data"] != "demo"

    def phases(x: dict) -> str:
        t = x["timings"]
        return (f"copy {t.get('copy_s', 0):.1f} s, quarter's raw tables {t.get('load_s', 0):.1f} s, model "
                f"{t.get('model_s', 0):.1f} s, checkpoint {t.get('checkpoint_s', 0):.1f} s")

    def verdict(ok: bool) -> str:
        return ("met" if ok else "NOT met") if full else "not measured here"

    t = inc["timings"]
    model = (f"vocabulary {t.get('vocabulary_s', 0):.1f} s, touched cases' old rows {t.get('touched_s', 0):.1f} s, "
             f"child tables {t.get('child_tables_s', 0):.1f} s, counts and duplicates {t.get('counts_s', 0):.1f} s, "
             f"prior fits and scoring {t.get('scoring_s', 0):.1f} s")
    return [
        "## Adding a quarter incrementally (issue 18)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; DuckDB {m['duckdb']}. Date {m['date']}, "
        f"commit {m['commit']}. Each load in a fresh process.",
        "",
        f"Data: {r['data']}, {r['quarters']} quarters ({r['zip_mb_all']:,.0f} MB of zips; "
        f"{r['facts']['raw_demo_rows']:,} DEMO rows, {flow['current_cases']:,} current cases, store "
        f"{r['facts']['bytes'] / 1e9:.2f} GB). The store of the first {r['quarters'] - 1} quarters "
        f"({before['current_cases']:,} current cases{'; made ' + r['base']['made'] if r['base'].get('made') else ''}) "
        f"takes {r['added']} ({r['zip_mb_added']:.1f} MB; "
        f"{inc['touched']:,} cases touched: new, followed up, deleted, or with drug names that now map differently).",
        "",
        "| task | time | target |",
        "|---|---|---|",
        f"| `load` of the newest quarter, incremental ({phases(inc)}; the model: {model}) | {inc['wall_s']:.1f} s "
        f"(peak {inc['peak_mb']:,.0f} MB) | < {TARGETS['incremental_s']:.0f} s at full scale: "
        f"{verdict(inc['wall_s'] < TARGETS['incremental_s'])} |",
        *rebuild_rows(r, verdict),
        f"| `load` of all {r['quarters']} quarters from scratch ({phases(scr)})"
        + (f", measured in an earlier run ({scr['measured_at']}, with the code of that day)" if "measured_at" in scr
           else "") + f" | {scr['wall_s']:.1f} s "
        f"(peak {scr['peak_mb']:,.0f} MB) | < {TARGETS['scratch_s'] / 60:.0f} min at full scale: "
        f"{verdict(scr['wall_s'] < TARGETS['scratch_s'])} |",
        "",
        f"The incremental store {'equals' if r['same_as_scratch'] else 'DIFFERS FROM'} the one loaded from scratch "
        "(deduplication flow, pair counts, kept counts by stratum and seriousness, crude and stratified priors to "
        "1e-9; tests/test_incremental.py compares every table). "
        + ("" if full else "At demo scale the prior fits and the scoring of every pair, run in full on both paths, "
           "weigh most; the full-scale figures come from `python bench/bench_incremental.py --zips "
           "bench/.cache/full-history`."),
        "",
    ]


def write_section(r: dict) -> None:
    """Put this benchmark's section into BENCHMARKS.md (replacing its earlier one; before the notes if new)."""
    put_section(BEGIN, END, section(r))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zips", type=Path, help="a folder of quarterly zips (default: the demo data)")
    parser.add_argument("--keep", type=Path, help="build the stores in this folder and keep them")
    parser.add_argument("--scratch-only", action="store_true",
                        help="with --keep: only the load of every quarter from scratch, measured and kept")
    parser.add_argument("--reuse-scratch", action="store_true",
                        help="with --keep: take the load from scratch made by --scratch-only")
    parser.add_argument("--no-rebuild", action="store_true", help="skip the `load --rebuild` measurement")
    parser.add_argument("--reuse-base", action="store_true",
                        help="with --base-from-scratch: the base kept in --keep by an earlier run (its measurement "
                             "from the earlier results file)")
    parser.add_argument("--reuse-rebuild", action="store_true",
                        help="with --reuse-base: the `load --rebuild` measurement of the earlier run (only the "
                             "incremental load is measured again)")
    parser.add_argument("--base-from-scratch", action="store_true",
                        help="with --reuse-scratch: make the older quarters' store from the scratch store (its newest "
                             "quarter removed, the model rebuilt) instead of loading them again")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the section from bench/results/incremental-*.json")
    args = parser.parse_args()
    name = "incremental-full" if args.zips else "incremental-demo"
    if args.report_only:
        r = json.loads((RESULTS / f"{name}.json").read_text())
    else:
        folder = args.zips or REPO / "data" / "demo"
        zips = sorted(folder.glob("*.zip"), key=lambda p: p.stem.split("_")[-1].lower())
        if len(zips) < 2:
            parser.error(f"{folder}: needs at least two quarterly zips")
        work = args.keep or Path(tempfile.mkdtemp(prefix="bench-incremental-", dir=REPO / "bench"))
        work.mkdir(parents=True, exist_ok=True)
        scratch_file = RESULTS / f"{name}-scratch.json"
        if (args.scratch_only or args.reuse_scratch) and args.keep is None:
            parser.error("--scratch-only and --reuse-scratch need --keep DIR")
        if args.scratch_only:
            scratch_file.write_text(json.dumps(_load("load", work / "scratch.duckdb", zips), indent=1))
            print(f"loaded every quarter into {work / 'scratch.duckdb'}; measurement in {scratch_file}")
            return
        reused = json.loads(scratch_file.read_text()) if args.reuse_scratch else None
        if reused is not None:
            reused.setdefault("measured_at", datetime.fromtimestamp(scratch_file.stat().st_mtime, UTC)
                              .strftime("%Y-%m-%d %H:%M UTC"))
        try:
            earlier = json.loads((RESULTS / f"{name}.json").read_text()) if args.reuse_base else {}
            if args.reuse_rebuild and earlier.get("rebuild"):
                earlier["rebuild"].setdefault("measured_at", earlier["machine"]["date"])
            r = run(zips, work, "demo" if not args.zips else str(args.zips), reused, rebuild=not args.no_rebuild,
                    base_from_scratch=args.base_from_scratch, reuse_base=earlier.get("base"),
                    reuse_rebuild=earlier.get("rebuild") if args.reuse_rebuild else None)
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
        save(name, r)
    write_section(r)
    print("\n".join(section(r)))


if __name__ == "__main__":
    main()

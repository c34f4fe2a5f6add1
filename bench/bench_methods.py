"""Benchmark of issue 15's methods at demo scale: stratified signal, over-time series, stratified screening, and the
whole-database stratified scoring of the build (pair counts, stratified expected counts, both prior fits).

Writes bench/results/methods-demo.json and the section between the ``methods:start``/``methods:end`` markers of
BENCHMARKS.md (appended when the markers are missing). The data are the shipped synthetic demo quarters.

Usage: python bench/bench_methods.py [--db PATH] [--runs N]
       python bench/bench_methods.py --full --db bench/.cache/full.duckdb   (the full-scale store of bench_full.py;
       writes bench/results/methods-full.json and its own section, with the issue's full-scale targets)
       python bench/bench_methods.py [--full] --report-only                 (rewrite the section from the json)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    REPO,
    count_pairs,  # noqa: E402
    machine,
    save,
)
from explorer import analysis  # noqa: E402
from explorer.scoring import score_pairs  # noqa: E402
from explorer.selection import Selection  # noqa: E402
from explorer.stats import fit_prior  # noqa: E402
from explorer.store.reader import Store  # noqa: E402

TARGETS_FULL = {"screening": 90.0, "signal": 0.3, "over_time": 1.0}  # issue 15, at full scale


def markers(full: bool) -> tuple[str, str]:
    label = "methods-full" if full else "methods"
    return f"<!-- {label}:start -->", f"<!-- {label}:end -->"
STRATA = ("age_band", "sex", "year")


def timed(fn, runs: int) -> tuple[float, float, float]:
    """(cold, warm p50, warm p95) seconds: cold is the first call on a fresh connection (binds the selection)."""
    start = time.perf_counter()
    fn()
    cold = time.perf_counter() - start
    warm = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - start)
    warm.sort()
    return cold, statistics.median(warm), warm[min(len(warm) - 1, int(round(0.95 * (len(warm) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="/tmp/bench-methods-demo.duckdb", help="demo database (built if missing)")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--full", action="store_true", help="the database is the full-scale one: its own section")
    ap.add_argument("--score-in-place", action="store_true",
                    help="score this database itself (a copy made for the purpose: no second copy of a 10 GB file) "
                    "before the tasks, which then see the strata the scoring keeps")
    ap.add_argument("--report-only", action="store_true", help="rewrite the section from the saved results")
    ap.add_argument("--scoring-from-load", type=Path,
                    help="take the whole-database scoring time from this load's measurement (a bench_incremental "
                    "json) instead of scoring a copy of the database again")
    args = ap.parse_args()
    label = "methods-full" if args.full else "methods-demo"
    if args.report_only:
        import json

        write_section(json.loads((REPO / "bench" / "results" / f"{label}.json").read_text()), args.full)
        return
    db = Path(args.db)
    if not db.exists():
        from explorer.load import load

        load(sorted((REPO / "data" / "demo").glob("*.zip")), db)
    scored = None
    if args.score_in_place:
        scored = score_whole(db, count=False)
        print("whole database:", {k: round(v, 2) if isinstance(v, float) else v for k, v in scored.items()})
    store = Store.open(db)
    d = store.definitions
    sel = Selection(exposure=d.exposure("esi"), event=d.event("spinal_cord_ischaemia"))
    size = store.con.execute("SELECT count(*) FROM cases").fetchone()[0]
    pairs = store.con.execute("SELECT count(*) FROM signal_pairs").fetchone()[0]
    results = {"machine": machine(), "load_average_at_start": os.getloadavg()[0],
               "data": {"db": str(db), "current_cases": size, "ingredient_pt_pairs": pairs, "synthetic": True},
               "selection": "exposure esi, event group spinal_cord_ischaemia, unfiltered", "tasks": {}}
    tasks = {
        "signal, crude": lambda: analysis.signal(store, sel),
        "signal, stratified by age band, sex, year": lambda: analysis.signal(store, sel, stratify=STRATA),
        "over time by quarter, cumulative": lambda: analysis.over_time(store, sel, "quarter", True),
        "over time by quarter, cumulative, stratified": lambda: analysis.over_time(store, sel, "quarter", True,
                                                                                   stratify=STRATA),
        "screening esi, crude (every PT and group)": lambda: analysis.screen_events(
            store, Selection(exposure=d.exposure("esi"))),
        "screening esi, stratified": lambda: analysis.screen_events(store, Selection(exposure=d.exposure("esi")),
                                                                    stratify=STRATA),
    }
    def old_screen() -> None:  # screening as it ran before issue 15: the PT query, then a bind and a 2x2 per group
        from dataclasses import replace

        exposure = Selection(exposure=d.exposure("esi"))
        store.run("screen_events", exposure)
        for group in d.events.values():
            analysis.signal(store, replace(exposure, event=group))

    tasks["screening esi, crude, then a bind and a 2x2 per group (as before issue 15)"] = old_screen
    for name, fn in tasks.items():
        store.close()
        store = Store.open(db)  # a fresh connection: the first call binds the selection
        cold, p50, p95 = timed(fn, args.runs)
        results["tasks"][name] = {"cold_s": cold, "warm_p50_s": p50, "warm_p95_s": p95}
        print(f"{name}: cold {cold * 1000:.0f} ms, warm p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    store.close()

    # the cost of refitting the prior on a screening table of 3,000 PTs (pairs drawn from DuMouchel's prior)
    rng = np.random.default_rng(1)
    m = 20_000
    e = np.exp(rng.normal(-1.5, 1.3, m))
    n = rng.poisson(np.where(rng.random(m) < 0.1, rng.gamma(0.2, 10, m), rng.gamma(2, 0.5, m)) * e)
    n, e = n[n > 0][:3000].astype(float), e[n > 0][:3000]
    start = time.perf_counter()
    fit_prior(n, e)
    results["refit_prior_3000_pairs_s"] = time.perf_counter() - start
    assert len(n) == 3000
    print(f"prior refit on {len(n)} pairs: {results['refit_prior_3000_pairs_s']:.2f} s")

    if scored is not None:
        results["whole_database"] = scored
        save(label, results)
        write_section(results, args.full)
        return
    if args.scoring_from_load is not None:
        import json

        load = json.loads(args.scoring_from_load.read_text())
        results["whole_database"] = {"from_load": str(args.scoring_from_load),
                                     "scoring_s": load["timings"]["scoring_s"], "load_s": load["wall_s"]}
        save(label, results)
        write_section(results, args.full)
        return
    # whole-database scoring on a writable copy: pair counts, crude prior fit, stratified expected counts,
    # stratified prior fit, scoring of every pair
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.duckdb"
        shutil.copy(db, copy)
        timings = score_whole(copy)
    results["whole_database"] = timings
    print("whole database:", {k: round(v, 2) if isinstance(v, float) else v for k, v in timings.items()})
    save(label, results)
    write_section(results, args.full)


def score_whole(db: Path, count: bool = True) -> dict:
    """The build's scoring (both prior fits, stratified expected counts, every pair scored) of a writable database,
    timed step by step; with ``count``, the pair counts (a model step) first."""
    con = duckdb.connect(str(db))
    timings: dict = {}
    if count:
        start = time.perf_counter()
        count_pairs(con)
        timings["pair_counts_s"] = time.perf_counter() - start
    else:  # the kept pair and ingredient counts, with their margins (a temporary table of the build)
        from explorer.store.build import core_statement

        con.execute(core_statement("pair_counts"))
    score_pairs(con, timings=timings)
    con.close()
    return timings


def write_section(r: dict, full: bool = False) -> None:
    m, t, w = r["machine"], r["tasks"], r["whole_database"]
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    start, end = markers(full)
    if full:
        data = (f"Data: the **synthetic** full-scale history of `bench/bench_full.py` (2004Q1–2025Q4, every quarter at "
                f"FAERS's size): {r['data']['current_cases']:,} current cases, {r['data']['ingredient_pt_pairs']:,} "
                f"ingredient–PT pairs. Selection: {r['selection']}; strata: age band × sex × year received.")
    else:
        data = (f"Data: the shipped **synthetic** demo quarters (2004Q1–2025Q4 at 1/500 scale): "
                f"{r['data']['current_cases']:,} current cases, {r['data']['ingredient_pt_pairs']:,} ingredient–PT "
                f"pairs. Selection: {r['selection']}; strata: age band × sex × year received "
                f"({w['strata']} strata with cases). The full-scale figures are in their own section.")
    lines = [start, f"## Review methods at {'full' if full else 'demo'} scale (issue 15)", "",
             f"Machine: {m['cpu']}, {m['cores']} cores (shared), {m['memory_gb']} GB; Python {m['python']}, DuckDB "
             f"{m['duckdb']}. Date {m['date']}, commit {m['commit']}; load average "
             f"{r['load_average_at_start']:.1f} when it started (other jobs shared the 2 cores: the times are upper "
             "bounds). Written by "
             f"`python bench/bench_methods.py{' --full --db ' + r['data']['db'] if full else ''}`.",
             "", data, "",
             "| task | cold (first call, binds the selection) | warm p50 | warm p95 |", "|---|---|---|---|"]
    for name, v in t.items():
        lines.append(f"| {name} | {ms(v['cold_s'])} | {ms(v['warm_p50_s'])} | {ms(v['warm_p95_s'])} |")
    lines.append(f"| prior refitted on a screening table of 3,000 PTs (once per screening of a large exposure) | "
                 f"{r['refit_prior_3000_pairs_s']:.2f} s | | |")
    if "from_load" in w:
        lines += ["", f"Whole-database screening at build time, as measured inside the load of every quarter from "
                  f"scratch of the same run ({w['from_load']}: {w['load_s']:,.0f} s in all): the scoring step (both "
                  f"EBGM prior fits, the stratified expected counts, every pair scored and written) took "
                  f"{w['scoring_s']:,.1f} s; the pair counts are part of the model build before it."]
        whole = w["scoring_s"]
    else:
        lines += whole_database_rows(w)
        whole = sum(v for k, v in w.items() if k.endswith("_s"))
    if full:
        sig = t["signal, stratified by age band, sex, year"]["warm_p95_s"]
        over = t["over time by quarter, cumulative, stratified"]["warm_p95_s"]
        verdict = lambda x, target: "met" if x < target else "NOT met"  # noqa: E731
        lines += ["", "| issue 15 target at full scale | measured | target | |", "|---|---|---|---|",
                  f"| stratified whole-database screening (every step above) | {whole:.1f} s | "
                  f"< {TARGETS_FULL['screening']:.0f} s | {verdict(whole, TARGETS_FULL['screening'])} |",
                  f"| a stratified signal for one selection (warm p95; cold in the table above) | {ms(sig)} | "
                  f"< {TARGETS_FULL['signal'] * 1000:.0f} ms | {verdict(sig, TARGETS_FULL['signal'])} |",
                  f"| the over-time series for one selection, stratified (warm p95) | {ms(over)} | "
                  f"< {TARGETS_FULL['over_time']:.0f} s | {verdict(over, TARGETS_FULL['over_time'])} |"]
    lines.append(end)
    _write(lines, start, end)


def whole_database_rows(w: dict) -> list[str]:
    """The build's statistics step, timed on a copy of the database."""
    crude = w["crude_fit_s"]
    extra = w["strata_expected_s"] + w["stratified_fit_s"]
    return ["", "Whole-database screening at build time (every ingredient–PT pair, suspect roles):", "",
              "| step | seconds |", "|---|---|",
              *([f"| pair counts (unchanged) | {w['pair_counts_s']:.2f} |"] if "pair_counts_s" in w else []),
              f"| crude prior fit (log-width squashing of every populous count, analytic gradient) | {crude:.2f} |",
              f"| stratified expected counts ({w['pairs']:,} pairs × {w['strata']} strata) | "
              f"{w['strata_expected_s']:.2f} |",
              f"| stratified prior fit | {w['stratified_fit_s']:.2f} |",
              f"| scoring every pair, crude and stratified EBGM, written to signal_pairs | {w['scoring_s']:.2f} |",
              "", f"Stratification adds {extra:.1f} s to the build's statistics step at this scale (the stratified "
              "expected counts and the second prior fit; scoring a second EBGM is inside the last row)."]


def _write(lines: list[str], start: str, end: str) -> None:
    path = REPO / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8")
    section = "\n".join(lines)
    if start in text and end in text:
        text = text[:text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

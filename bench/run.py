"""Run the benchmarks and write BENCHMARKS.md.

Usage: python bench/run.py [--quick | --full] [--report-only]
  (default)      one full-size quarter (generation, load, baselines), the 1/10-scale history, the query layer on
                 the demo database, open-altio beside us at 1/500 and 1/100 scale (about 20 minutes)
  --quick        the same without the 1/10-scale history
  --full         also every quarter at full scale (about 24 million reports, generated once and cached in
                 bench/.cache): the load, the query layer with pandas and vigipy, the dashboard in Chromium, and
                 open-altio at 1/10 and full scale (several hours on 2 cores)
  --report-only  rewrite BENCHMARKS.md from bench/results/*.json without measuring
  --pages-only   rewrite only its 'Every page' sections from bench/results/pages-*.json (after bench_pages.py)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, RESULTS, machine, median_spread  # noqa: E402


def _ingest_section(r: dict) -> list[str]:
    s, ld = r["synth"], r["load"]
    out = [
        "## Generation and loading (issues 2 and 3)",
        "",
        f"Data: one full-size synthetic quarter (2025Q4 layout, {s['reports']:,} reports, {s['text_mb']:.0f} MB of "
        f"`$`-delimited text in 7 tables, {s['zip_mb']:.0f} MB zipped).",
        "",
        "| task | ours | baseline (same run) | ratio ours/baseline | target |",
        "|---|---|---|---|---|",
        f"| synth: write the quarter's zip | {s['seconds']:.1f} s, peak {s['peak_mb']:.0f} MB | zip the same text: "
        f"{s['baseline_zip_seconds']:.1f} s | {s['ratio']:.1f} | < 30 s, < 2 GB: "
        f"{'met' if s['seconds'] < 30 and s['peak_mb'] < 2048 else 'NOT met'} |",
        f"| load the quarter (clean every line, parse, deduplicate, normalize), median of "
        f"{len(ld['runs'])} | {median_spread(ld['runs'])} s = {ld['mb_per_s']:.0f} MB/s, peak {ld['peak_mb']:.0f} MB "
        f"| DuckDB bare `read_csv` (no checks, no model): {median_spread(ld['duckdb_read_csv_runs'])} s | "
        f"{ld['ratio_vs_duckdb']:.2f} | ≥ 100 MB/s: {'met' if ld['mb_per_s'] >= 100 else 'NOT met'}; "
        f"< 4 GB: {'met' if ld['peak_mb'] < 4096 else 'NOT met'} |",
        f"| the same | | pandas `read_csv` (sep `$`, all text, bad lines skipped): "
        f"{median_spread(ld['pandas_runs'])} s | {ld['ratio_vs_pandas']:.2f} | |",
        f"| load the quarter at 1/100 size ({ld['small_text_mb']:.1f} MB) | {ld['small_quarter_s']:.1f} s | | | |",
        "",
    ]
    h = r.get("history")
    if h:
        out += [
            f"All {h['quarters']} quarters 2004Q1–2025Q4 at 1/10 scale ({h['reports']:,} reports, "
            f"{h['text_mb']:,.0f} MB of text): generated in {h['synth_s']:.0f} s (peak {h['synth_peak_mb']:.0f} MB), "
            f"loaded in one command in {h['load_s']:.0f} s (peak {h['peak_mb']:.0f} MB; database "
            f"{h['db_mb']:,.0f} MB). Scaled linearly to the full {h['full_reports']:,} reports: "
            f"**{h['projected_full_load_min']:.0f} minutes** to load all quarters (target < 15 min: "
            f"{'met' if h['projected_full_load_min'] < 15 else 'NOT met'}; a projection, not a measurement).",
            "",
        ]
    return out


def _ms(x: dict) -> str:
    return f"{x['p50'] * 1000:.0f} / {x['p95'] * 1000:.0f} ms"


def _query_section(q: dict, title: str) -> list[str]:
    eb, vg = q["ebgm"], q.get("vigipy", {})
    ans = q["summary"]["answer"]
    out = [
        f"## Query layer on {title} (issue 4)",
        "",
        f"Database: {q['reports']:,} reports, {q['cases']:,} current cases. Selection: exposure `esi`, event group "
        f"`spinal_cord_ischaemia`, filters received from 2010-01-01 and sex F or M (answer: {ans['cases']} cases; "
        f"a={ans['a']}, b={ans['b']:,}, c={ans['c']:,}, d={ans['d']:,}). Warm, p50 / p95 over {q['summary']['runs']} "
        "runs after one warm-up.",
        "",
        "| task | ours | baseline (same run) | ratio | target |",
        "|---|---|---|---|---|",
        f"| ESI x group summary (count, by year, outcomes, 2x2, PRR/ROR/IC/EBGM), same selection again "
        f"| {_ms(q['summary'])} | | | |",
        f"| the same after a filter change (selection re-bound, case sets re-materialized) | "
        f"{_ms(q['summary_new_filter'])} | "
        + (f"plain pandas, columns already in memory: {_ms(q['pandas_summary'])} (loading them: "
           f"{q['pandas_load_s']:.1f} s); same answer: {'yes' if q['pandas_same_answer'] else 'NO'} | "
           f"{q['ratio_summary_vs_pandas']:.2f}" if "pandas_summary" in q else f"{q['pandas_skipped']} | –")
        + f" | p95 < 300 ms: {'met' if q['summary_new_filter']['p95'] < 0.3 else 'NOT met'} |",
        f"| listing page (50 rows) | {_ms(q['listing'])} | | | < 200 ms: "
        f"{'met' if q['listing']['p95'] < 0.2 else 'NOT met'} |",
        f"| one case (report, drugs with therapy and indications, reactions, versions) | {_ms(q['case'])} | | | |",
        f"| time to onset (days, median, IQR, Weibull shape with CI) | {_ms(q['onset'])} | | | |",
        f"| whole-database EBGM: {eb['pairs']:,} ingredient-PT pairs counted, prior fitted, every pair scored "
        f"(plus PRR/ROR/IC) | {eb['total_s']:.1f} s (counts {eb['pair_counts_s']:.1f}, fit {eb['fit_s']:.1f}, "
        f"score {eb['score_s']:.1f}) | vigipy GPS on the same pair table: "
        + (f"fit + score {vg['fit_and_score_s']:.1f} s, " if "fit_and_score_s" in vg else "")
        + (f"score at our prior {vg['score_fixed_prior_s']:.1f} s (+ {vg['convert_s']:.1f} s to build its container)"
           if "score_fixed_prior_s" in vg else vg.get("skipped", "n/a"))
        + (f" | {eb['total_s'] / vg['fit_and_score_s']:.2f}" if "fit_and_score_s" in vg else " |")
        + f" | < 60 s: {'met' if eb['total_s'] < 60 else 'NOT met'} |",
        "",
    ]
    return out


def _statistics_step_wall(steps: list) -> float | None:
    """Seconds between open-altio's progress line before its statistics step and the step's own line."""
    for (_, before), (line, at) in zip(steps, steps[1:], strict=False):
        if line.startswith("statistics:"):
            return at - before
    return None


def _peers_section(runs: list[dict]) -> list[str]:
    """open-altio beside us at each scale: build time, screening time, answers."""
    out = [
        "## Side by side with open-altio, at every scale (issue 7)",
        "",
        "Every quarter 2004Q1–2025Q4, generated at a fraction of FAERS's volume, built by both tools from the same "
        "zips in the same run, one after the other, each as a whole process. Ours: `python -m explorer load` "
        "(clean every line, dedup model, pair counts, prior fit, every pair scored). open-altio 1.0.0 (Python 3.12, "
        "DuckDB 1.5.6, its own virtual environment): `build_release` (load, dedup with duplicate flags, drug "
        "names, WHO classes, Parquet, its explorer database, statistics). Screening: ours = pair counts + prior "
        "fit + every pair scored on the loaded database; open-altio's = its statistics step's own total "
        "(counting, onset, strata, fit and score, write), read from its manifest, and beside it the wall time of "
        "the whole step in its progress log (from the line before the step to the step's own line), which also "
        "holds what the manifest does not time. The ratio is taken against the smaller, manifest total.",
        "",
        "| scale | reports | text | our load | open-altio build | ratio ours/theirs | our screening | "
        "open-altio statistics (manifest / step wall) | ratio | current cases (ours / theirs) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        alt = r.get("altio") or {}
        st = ((alt.get("statistics_manifest") or {}).get("seconds") or {})
        ours_load, peak = r.get("ours_load_s"), r.get("ours_load_peak_mb")
        full_load = RESULTS / "full-load.json"
        if ours_load is None and r["scale"] == 1 and full_load.exists():  # loaded once by bench_full.py
            f = json.loads(full_load.read_text())
            ours_load, peak = f["load_s"], f["load_peak_mb"]
        load = f"{ours_load:.0f} s, peak {peak:,.0f} MB" if ours_load else "–"
        if alt:
            build = f"{alt['build_s']:.0f} s, peak {alt['peak_mb']:,.0f} MB"
        elif r.get("altio_unfinished"):
            build = r["altio_unfinished"]
        else:
            build = f"failed: {r.get('altio_error', '')[-160:]}".replace("\n", " ").replace("|", "/")
        screen = r["ours_screening"]["total_s"]
        theirs_cases = next((s["count"]["total"] for s in alt.get("funnel", {}).get("steps", [])
                             if s["id"] == "kept_after_duplicates"), None)
        step_wall = _statistics_step_wall(alt.get("steps", []))
        wall = f" / {step_wall:.0f} s" if step_wall is not None else ""
        out.append(
            f"| {r['scale']:g} | {r['reports']:,} | {r['text_mb']:,.0f} MB | {load} | {build} | "
            + (f"{ours_load / alt['build_s']:.2f}" if ours_load and alt else
               f"< {ours_load / r['altio_wall_s']:.2f}" if ours_load and r.get("altio_unfinished") else "–")
            + f" | {screen:.1f} s | "
            + (f"{st['total']:.1f} s{wall} | {screen / st['total']:.2f}" if st else "– | –")
            + f" | {r['ours']['current_cases']:,} / " + (f"{theirs_cases:,}" if theirs_cases is not None else "–")
            + " |")
    out.append("")
    last = next((r for r in reversed(runs) if r.get("altio")), None)
    if last:
        out += [
            f"Answers at scale {last['scale']:g}, suspect roles PS/SS, ingredient x PT (open-altio's `statistics_T` "
            "against our `signal_pairs`): a = cases with both; n_drug = cases with the ingredient; n_event = cases "
            "with the PT.",
            "",
            "| pair | a (ours / theirs) | n_drug | n_event | PRR | ROR | EBGM |",
            "|---|---|---|---|---|---|---|",
        ]
        for key, o in last["ours"]["pairs"].items():
            t = last["altio"]["pairs"].get(key)
            if o is None and t is None:
                continue

            def pair(x, y, fmt="{:,.0f}"):
                fx = fmt.format(x) if x is not None else "–"
                fy = fmt.format(y) if y is not None else "–"
                return f"{fx} / {fy}"

            o = o or {}
            t = t or {}
            out.append(
                f"| {key.replace('|', ' × ')} | {pair(o.get('a'), t.get('cases_T'))} | "
                f"{pair((o['a'] + o['b']) if o else None, t.get('ingredient_cases_T'))} | "
                f"{pair((o['a'] + o['c']) if o else None, t.get('reaction_cases_T'))} | "
                f"{pair(o.get('prr'), t.get('prr_T'), '{:.2f}')} | {pair(o.get('ror'), t.get('ror_T'), '{:.2f}')} | "
                f"{pair(o.get('ebgm'), t.get('ebgm_T'), '{:.2f}')} |")
        out.append("")
    return out


def _load(r: dict) -> str:
    lo, hi = r["load_1min"]
    return f"{lo:.1f}–{hi:.1f}" if f"{lo:.1f}" != f"{hi:.1f}" else f"{lo:.1f}"


def _pages_section(r: dict, base: dict | None = None) -> list[str]:
    """Filter change to page rendered on every page (issue 13); ``base``: the same benchmark of a baseline commit,
    measured in the same conditions (right before or after)."""
    runs = next(iter(r["pages"].values()))["runs"] if r["pages"] else 0
    target = 0.5 if "demo" in r["db"] else 1.0
    lines = [
        f"## Every page, {'demo data' if target == 0.5 else 'full scale'}: filter change to page rendered (issue 13)",
        "",
    ]
    if "load_1min" in r:
        busy = max(r["load_1min"][1], *((base or {}).get("load_1min") or [0])) > r["cores"]
        lines += [
            f"Measured {r['date']}, commit {r['commit']}, on {r['cores']} cores: the 1-minute load average was "
            f"{_load(r)} during the run (the browser and the server included)"
            + (f" and {_load(base)} during the baseline's (commit {base['commit']}, measured {base['date']})"
               if base else "")
            + (f". Above {r['cores']} on {r['cores']} cores the browser, the server and anything else running wait "
               "for each other, so these times are higher and noisier than on an idle machine"
               + ("; the baseline column is the comparison to read." if base else ".") if busy else ".")
            + (" Full scale is not measured in this run (no full-scale database here), so its < 1 s target is "
               "not measured either." if target == 0.5 and not (RESULTS / "pages-full.json").exists() else ""),
            "",
        ]
    if r.get("note"):
        lines += [r["note"], ""]
    lines += [
        f"Database: {r['db']} ({r['current_cases']:,} current cases). `bench/bench_pages.py`: Debian's Chromium "
        "driven by Playwright; each page opened with `esi` and `spinal_cord_ischaemia`, then the sidebar's "
        "\"Serious cases only\" toggled "
        f"{runs} times, timed in the page's clock from the click to the script idle with the page redrawn. "
        "Plotly draws a chart once its element is mounted, in the render's task or a later one, so the end timed "
        "here does not wait for every chart to be drawn (Explore has four).",
        "",
        "The toggle alternates two selections, so after the first two changes the answers may come from the "
        "per-selection cache (`explorer/app/cached.py`); the cold column is the slower of the first two changes, "
        "computed without it.",
        "",
    ]
    unseen = sum(x.get("unseen_running", 0) for x in r["pages"].values())
    unseen_base = sum(x.get("unseen_running", 0) for x in (base or {}).get("pages", {}).values())
    if unseen or unseen_base:
        lines += [
            "A rerun can be so fast that the page never draws the \"running\" state (React merges it with the end of "
            "the run into one render), so the script-state attribute does not change; such a change is timed after "
            "the page has handled the run's `script_finished` message, rendered it and painted the next frame "
            f"(`bench/bench_browser.py`): {unseen} change(s) in this run"
            + (f", {unseen_base} in the baseline's" if base else "") + ".",
            "",
        ]
    lines += [
        f"| page | p50 / p95 | cold (uncached) | target < {target:g} s (p95) | first load of the page |"
        + (f" baseline {base['commit']}: p50 / p95, cold |" if base else ""),
        "|---|---|---|---|---|" + ("---|" if base else ""),
    ]
    for page, x in r["pages"].items():
        cold = f"{x['cold'] * 1000:.0f} ms" if "cold" in x else ""
        verdict = "n/a (a reload)" if "reload" in page else "met" if x["p95"] < target else "NOT met"
        if x.get("stuck"):
            verdict += f" ({x['runs']} changes timed, then one not rendered within 2 min)"
        b = (base or {}).get("pages", {}).get(page)
        lines.append(f"| {page} | {_ms(x)} | {cold} | {verdict} | "
                     f"{x['first_load_s']:.1f} s |" + (f" {_ms(b)}, {b['cold'] * 1000:.0f} ms"
                                                      + (f"; {b['runs']} changes timed, then one not rendered "
                                                         "within 2 min" if b.get("stuck") else "") + " |"
                                                      if b else " |" if base else ""))
    return [*lines, ""]


def write_report() -> None:
    m = machine()
    lines = [
        "# Benchmarks",
        "",
        "Written by `python bench/run.py`. Times drift between runs on a shared machine; the ratios against baselines",
        "measured in the same run are what to compare.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; Python {m['python']}, "
        f"DuckDB {m['duckdb']}, pandas {m['pandas']}. Date {m['date']}, commit {m['commit']}.",
        "",
    ]
    ingest = RESULTS / "ingest.json"
    if ingest.exists():
        lines += _ingest_section(json.loads(ingest.read_text()))
    full = RESULTS / "full-load.json"
    if full.exists():
        f = json.loads(full.read_text())
        lines += [
            "## All quarters at full scale",
            "",
            f"{f['quarters']} quarters 2004Q1–2025Q4 at scale 1 ({f['reports']:,} reports, {f['text_mb']:,.0f} MB of "
            f"text in {f['zip_mb']:,.0f} MB of zips): generated in {f['synth_s'] / 60:.0f} min (peak "
            f"{f['synth_peak_mb']:,.0f} MB); loaded in one `load` command in **{f['load_s'] / 60:.1f} min** "
            f"(peak {f['load_peak_mb']:,.0f} MB; database {f['db_mb'] / 1000:,.1f} GB; target < 15 min: "
            f"{'met' if f['load_s'] < 900 else 'NOT met'}).",
            "",
        ]
    for name, title in (("query-full", "the full-scale database"), ("query-history", "the 1/10-scale database"),
                        ("query-demo", "the shipped demo database")):
        path = RESULTS / f"{name}.json"
        if path.exists():
            lines += _query_section(json.loads(path.read_text()), title)
    browser = RESULTS / "browser-full.json"
    if browser.exists():
        b = json.loads(browser.read_text())
        lines += [
            "## Dashboard in a real browser (issue 5)",
            "",
            f"Database: {b['db']}. Debian's Chromium driven by Playwright; Explore page with `esi` and "
            "`spinal_cord_ischaemia`; a filter toggled (serious cases only), timed from the click until Streamlit "
            f"reports the script idle with the page redrawn, {b['filter_change']['runs']} times.",
            "",
            "| task | p50 / p95 | baseline: reload without change | target |",
            "|---|---|---|---|",
            f"| filter change to re-rendered page (the page's clock: click event to script idle) | "
            f"{_ms(b['filter_change'])} | {_ms(b['reload'])} | < 1 s: "
            f"{'met' if b['filter_change']['p95'] < 1 else 'NOT met'} |",
            *([f"| the same, timed by the test driver (Playwright's click, its polling for the idle page) | "
               f"{_ms(b['filter_change_driver'])} | | |"] if "filter_change_driver" in b else []),
            f"| first page load (new session: connection, vocabularies, page) | {b['first_load_s']:.1f} s | | |",
        ]
        demo_browser = RESULTS / "browser-demo.json"
        if demo_browser.exists():
            d = json.loads(demo_browser.read_text())
            size = f"{d['current_cases']:,}-case " if "current_cases" in d else ""
            lines.append(f"| the same filter change on the {size}demo database (what rendering alone costs) | "
                         f"{_ms(d['filter_change'])} | {_ms(d['reload'])} | |")
        lines.append("")
    for label in ("pages-demo", "pages-full"):
        path = RESULTS / f"{label}.json"
        if path.exists():
            base = RESULTS / f"{label}-baseline.json"
            lines += _pages_section(json.loads(path.read_text()),
                                    json.loads(base.read_text()) if base.exists() else None)
    peers = sorted((json.loads(p.read_text()) for p in RESULTS.glob("peers-*.json")), key=lambda r: r["scale"])
    if peers:
        lines += _peers_section(peers)
    notes = REPO / "bench" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    (REPO / "BENCHMARKS.md").write_text("\n".join(lines) + "\n")


def write_pages_sections() -> None:
    """Rewrite only the 'Every page' sections of BENCHMARKS.md from bench/results/pages-*.json, leaving every other
    section as it is (sections written by other benchmarks, such as bench_meddra's, are not rebuilt here)."""
    path = REPO / "BENCHMARKS.md"
    lines = path.read_text().splitlines()
    for label in ("pages-demo", "pages-full"):
        result = RESULTS / f"{label}.json"
        if not result.exists():
            continue
        r = json.loads(result.read_text())
        base = RESULTS / f"{label}-baseline.json"
        new = _pages_section(r, json.loads(base.read_text()) if base.exists() else None)
        start = next((i for i, ln in enumerate(lines) if ln == new[0]), None)
        if start is None:  # a new section: after the other page section, else before the peers'
            after = next((i for i, ln in enumerate(lines) if ln.startswith("## Every page")), None)
            start = next((i for i in range(after + 1 if after is not None else 0, len(lines))
                          if lines[i].startswith("## ")), len(lines))
            lines[start:start] = new
            continue
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("## ", "<!--"))), len(lines))
        lines[start:end] = new
    path.write_text("\n".join(lines) + "\n")


def _run(*args: str) -> None:
    subprocess.run([sys.executable, *args], check=True, cwd=REPO)


def main() -> None:
    if "--pages-only" in sys.argv:
        write_pages_sections()
        return
    if "--report-only" not in sys.argv:
        bench = REPO / "bench"
        _run(str(bench / "bench_ingest.py"), *(["--quick"] if "--quick" in sys.argv else []))
        demo_db = bench / ".cache" / "demo.duckdb"
        if demo_db.exists():
            demo_db.unlink()
        subprocess.run([sys.executable, "-m", "explorer", "load", str(REPO / "data" / "demo"), "--db", str(demo_db),
                        "--quiet"], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        _run(str(bench / "bench_query.py"), "--db", str(demo_db), "--label", "query-demo")
        _run(str(bench / "bench_browser.py"), "--db", str(demo_db), "--label", "browser-demo", "--runs", "10")
        _run(str(bench / "bench_pages.py"), "--db", str(demo_db), "--label", "pages-demo", "--runs", "10")
        _run(str(bench / "bench_peers.py"), "--scale", "0.002")
        _run(str(bench / "bench_peers.py"), "--scale", "0.01")
        if "--full" in sys.argv:
            full_db = bench / ".cache" / "full.duckdb"
            _run(str(bench / "bench_full.py"), "--keep-db")
            _run(str(bench / "bench_query.py"), "--db", str(full_db), "--label", "query-full")
            _run(str(bench / "bench_browser.py"), "--db", str(full_db), "--label", "browser-full", "--runs", "10")
            _run(str(bench / "bench_pages.py"), "--db", str(full_db), "--label", "pages-full", "--runs", "10")
            _run(str(bench / "bench_peers.py"), "--scale", "0.1")
            _run(str(bench / "bench_peers.py"), "--scale", "1", "--db", str(full_db))
    write_report()
    print((REPO / "BENCHMARKS.md").read_text())


if __name__ == "__main__":
    main()

"""Run the benchmarks and write BENCHMARKS.md.

Usage: python bench/run.py [--quick] [--report-only]
  --quick        skip the 1/10-scale history (88 quarters) run
  --report-only  rewrite BENCHMARKS.md from bench/results/*.json without measuring
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
    notes = REPO / "bench" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    (REPO / "BENCHMARKS.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    if "--report-only" not in sys.argv:
        args = ["--quick"] if "--quick" in sys.argv else []
        subprocess.run([sys.executable, str(REPO / "bench" / "bench_ingest.py"), *args], check=True)
    write_report()
    print((REPO / "BENCHMARKS.md").read_text())


if __name__ == "__main__":
    main()

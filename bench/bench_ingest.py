"""Benchmark: synthetic generation and loading at full quarter size, against baselines measured in the same run.

- synth: one full-size quarter (2025Q4, 400,000 reports), time and peak memory; baseline: zipping the same text
  (the floor for writing such a zip at all).
- load: the same quarter into a new database (clean every line, parse, deduplicate, normalize), three runs;
  baselines: DuckDB's bare read_csv of the extracted tables (no cleaning, no model) and pandas.read_csv.
- scaling: one quarter at 1/100 size; all 88 quarters 2004-2025 at 1/10 size (about 2.5 million reports), from
  which the time for the full 25 million is projected.

Usage: python bench/bench_ingest.py [--quick]   (--quick skips the 1/10 history run)
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CACHE, cli, measured, median_spread, save  # noqa: E402
from explorer.quarters import expand  # noqa: E402
from explorer.synth.generator import reports_per_quarter  # noqa: E402

FULL = CACHE / "full-2025q4"
HISTORY = CACHE / "history-0.1"


def table_bytes(zip_path: Path) -> int:
    with zipfile.ZipFile(zip_path) as zf:
        return sum(i.file_size for i in zf.infolist() if i.filename.lower().endswith(".txt")
                   and "deleted" not in i.filename.lower())


def bench_synth() -> dict:
    shutil.rmtree(FULL, ignore_errors=True)
    seconds, peak, _ = cli("synth", str(FULL), "--quarters", "2025q4", "--scale", "1", "--seed", "1")
    z = FULL / "faers_ascii_2025q4.zip"
    # baseline: write the same uncompressed text into a zip at the same level
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(z) as zf:
            zf.extractall(tmp)
        code = ("import sys, zipfile, pathlib\n"
                "src = pathlib.Path(sys.argv[1])\n"
                "with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED, compresslevel=1) as out:\n"
                "    for p in sorted(src.rglob('*.txt')):\n"
                "        out.write(p, p.relative_to(src))\n")
        base_s, base_peak, _ = measured(code, tmp, str(Path(tmp) / "copy.zip"))
    truth = json.loads((FULL / "truth.json").read_text())
    return {"reports": truth["reports_written"], "zip_mb": z.stat().st_size / 1e6,
            "text_mb": table_bytes(z) / 1e6, "seconds": seconds, "peak_mb": peak,
            "baseline_zip_seconds": base_s, "ratio": seconds / base_s}


LOAD_BASELINE_DUCKDB = """
import sys, zipfile, tempfile, pathlib, duckdb
z = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    zipfile.ZipFile(z).extractall(tmp)
    con = duckdb.connect(str(pathlib.Path(tmp) / "b.duckdb"))
    for p in sorted(pathlib.Path(tmp).rglob("*.txt")):
        if "SYNTHETIC" in p.name or "Deleted" in str(p):
            continue
        n = p.open("rb").readline().count(b"$") + 1
        cols = {f"c{i}": "VARCHAR" for i in range(n)}
        con.execute(f"CREATE TABLE t_{p.stem} AS SELECT * FROM read_csv($p, delim='$', header=true, quote='', "
                    "escape='', auto_detect=false, columns=$c, null_padding=true, ignore_errors=true)",
                    {"p": str(p), "c": cols})
    con.close()
"""

LOAD_BASELINE_PANDAS = """
import sys, zipfile, tempfile, pathlib, csv, pandas as pd
z = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    zipfile.ZipFile(z).extractall(tmp)
    for p in sorted(pathlib.Path(tmp).rglob("*.txt")):
        if "SYNTHETIC" in p.name or "Deleted" in str(p):
            continue
        pd.read_csv(p, sep="$", dtype=str, quoting=csv.QUOTE_NONE, encoding="latin-1", on_bad_lines="skip",
                    index_col=False)
"""


def bench_load(runs: int = 3) -> dict:
    z = FULL / "faers_ascii_2025q4.zip"
    mb = table_bytes(z) / 1e6
    ours, peaks = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            s, peak, _ = cli("load", str(z), "--db", str(Path(tmp) / "f.duckdb"), "--quiet")
            ours.append(s)
            peaks.append(peak)
    duck = [measured(LOAD_BASELINE_DUCKDB, str(z))[0] for _ in range(runs)]
    pandas_s = [measured(LOAD_BASELINE_PANDAS, str(z))[0] for _ in range(runs)]
    small_dir = CACHE / "small-2025q4"
    if not (small_dir / "faers_ascii_2025q4.zip").exists():
        cli("synth", str(small_dir), "--quarters", "2025q4", "--scale", "0.01", "--seed", "1")
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        small_s, _, _ = cli("load", str(small_dir / "faers_ascii_2025q4.zip"), "--db", str(Path(tmp) / "s.duckdb"),
                            "--quiet")
    med = sorted(ours)[len(ours) // 2]
    return {"text_mb": mb, "runs": ours, "median_s": med, "mb_per_s": mb / med, "peak_mb": max(peaks),
            "duckdb_read_csv_runs": duck, "pandas_runs": pandas_s,
            "ratio_vs_duckdb": med / sorted(duck)[len(duck) // 2],
            "ratio_vs_pandas": med / sorted(pandas_s)[len(pandas_s) // 2],
            "small_quarter_s": small_s, "small_text_mb": table_bytes(small_dir / "faers_ascii_2025q4.zip") / 1e6}


def bench_history() -> dict:
    quarters = expand("2004q1-2025q4")
    if not (HISTORY / "truth.json").exists():
        shutil.rmtree(HISTORY, ignore_errors=True)
        gen_s, gen_peak, _ = cli("synth", str(HISTORY), "--quarters", "2004q1-2025q4", "--scale", "0.1", "--seed", "1")
    else:
        gen_s, gen_peak = float("nan"), float("nan")
    mb = sum(table_bytes(p) for p in HISTORY.glob("*.zip")) / 1e6
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        s, peak, _ = cli("load", str(HISTORY), "--db", str(Path(tmp) / "h.duckdb"), "--quiet")
        db_mb = (Path(tmp) / "h.duckdb").stat().st_size / 1e6
    full_reports = sum(reports_per_quarter(q, 1) for q in quarters)
    truth = json.loads((HISTORY / "truth.json").read_text())
    return {"quarters": len(quarters), "reports": truth["reports_written"], "text_mb": mb, "load_s": s,
            "peak_mb": peak, "db_mb": db_mb, "synth_s": gen_s, "synth_peak_mb": gen_peak,
            "full_reports": full_reports,
            "projected_full_load_min": s * full_reports / truth["reports_written"] / 60}


def main() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    results = {"synth": bench_synth()}
    print("synth", results["synth"], flush=True)
    results["load"] = bench_load()
    print("load", results["load"], flush=True)
    if "--quick" not in sys.argv:
        results["history"] = bench_history()
        print("history", results["history"], flush=True)
    save("ingest", results)
    print("load median:", median_spread(results["load"]["runs"]), "s")


if __name__ == "__main__":
    main()

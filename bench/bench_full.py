"""Benchmark: every quarter 2004Q1-2025Q4 at full scale (about 24 million reports), generated once and loaded in one
command. Takes about an hour of machine time on 2 cores; the zips are cached in bench/.cache/full-history.

Usage: python bench/bench_full.py [--keep-db]   (then: python bench/bench_query.py --db bench/.cache/full.duckdb)
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CACHE, cli, save  # noqa: E402

ZIPS = CACHE / "full-history"
DB = CACHE / "full.duckdb"


def main() -> None:
    synth_s = synth_peak = float("nan")
    if not (ZIPS / "truth.json").exists():
        synth_s, synth_peak, _ = cli("synth", str(ZIPS), "--quarters", "2004q1-2025q4", "--scale", "1", "--seed", "1")
    zips = sorted(ZIPS.glob("*.zip"))
    text = 0
    for z in zips:
        with zipfile.ZipFile(z) as zf:
            text += sum(i.file_size for i in zf.infolist() if i.filename.lower().endswith(".txt"))
    if DB.exists():
        DB.unlink()
    load_s, load_peak, _ = cli("load", str(ZIPS), "--db", str(DB), "--quiet")
    truth = json.loads((ZIPS / "truth.json").read_text())
    previous = CACHE.parent / "results" / "full-load.json"
    if synth_s != synth_s and previous.exists():  # generated in an earlier run: keep its measurement
        old = json.loads(previous.read_text())
        synth_s, synth_peak = old.get("synth_s", synth_s), old.get("synth_peak_mb", synth_peak)
    save("full-load", {"quarters": len(zips), "reports": truth["reports_written"], "text_mb": text / 1e6,
                       "zip_mb": sum(z.stat().st_size for z in zips) / 1e6, "synth_s": synth_s,
                       "synth_peak_mb": synth_peak, "load_s": load_s, "load_peak_mb": load_peak,
                       "db_mb": DB.stat().st_size / 1e6, "current_cases": truth["current_cases"]})
    if "--keep-db" not in sys.argv:
        DB.unlink()


if __name__ == "__main__":
    main()

"""Benchmark: open-altio, the closest peer, on the same quarters in the same run, beside our load and screening.

- open-altio (PyPI, Python 3.12, duckdb==1.5.6) is installed by this script into its own virtual environment
  (bench/.cache/altio-venv, from pyenv's 3.12); it is never a dependency of ours;
- both tools build from the same zips: wall time and peak memory of the whole process (ours: `python -m explorer
  load`; theirs: `build_release`, which also writes Parquet, its explorer database and every statistic);
- both answer the same questions: current cases, and for the planted ingredient-PT pairs the case count a and
  PRR, ROR, EBGM (ours from `signal_pairs`, theirs from `statistics_T`);
- where the answers differ, the reasons are open-altio's documented rules (see BENCHMARKS.md).

Usage: python bench/bench_peers.py --scale S [--db PATH]
  S: 0.002 (the shipped demo), 0.01, 0.1 or 1 (every quarter 2004Q1-2025Q4 at that fraction of FAERS's volume,
     generated once into bench/.cache); PATH: a database we already loaded from those zips (the full-scale one from
     bench_full.py), else our load is run and timed here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_query import whole_database_ebgm  # noqa: E402
from bench.common import CACHE, cli, save  # noqa: E402

VENV = CACHE / "altio-venv"
PYTHON312 = Path.home() / ".pyenv" / "versions"
HOST = Path(__file__).resolve().parent / "peers" / "altio_host.py"
STEROIDS = ("methylprednisolone", "triamcinolone", "dexamethasone", "betamethasone", "hydrocortisone")
EVENTS = ("Spinal cord infarction", "Paraplegia", "Cerebral infarction", "Meningitis fungal", "Nausea", "Headache")


def altio_python() -> Path:
    """open-altio's interpreter: a Python 3.12 virtual environment with open-altio and duckdb 1.5.6."""
    python = VENV / "bin" / "python"
    if python.exists():
        return python
    base = sorted(PYTHON312.glob("3.12.*/bin/python3.12"))
    found = [str(p) for p in base] or [shutil.which("python3.12") or ""]
    if not found[0]:
        raise SystemExit("open-altio needs Python 3.12 (pyenv install 3.12); none found")
    subprocess.run([found[-1], "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "open-altio", "duckdb==1.5.6"], check=True)
    return python


def altio_input(zips: Path, work: Path) -> Path:
    """The same zips for open-altio: hard-linked, except DRUG files whose lines all end with an extra '$' (2020).

    open-altio refuses a header ending in '$' ("column '' is not in the release schema"); FORMAT.md reports
    such DRUG files from FDA in 2020. The copy drops that one extra '$' of every line; nothing else changes.
    """
    folder = work / "input"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for z in sorted(zips.glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            drug = [n for n in zf.namelist() if re.search(r"drug\d\dq\d\.txt$", n, re.IGNORECASE)]
            header = zf.open(drug[0]).readline() if drug else b""
            if not header.rstrip(b"\r\n").endswith(b"$"):
                try:  # open-altio skips symbolic links: a hard link, or else a copy
                    os.link(z, folder / z.name)
                except OSError:
                    shutil.copy2(z, folder / z.name)
                continue
            with zipfile.ZipFile(folder / z.name, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
                for info in zf.infolist():
                    data = zf.read(info)
                    if info.filename in drug:
                        data = re.sub(rb"\$(\r?\n)", rb"\1", data)
                    out.writestr(info.filename, data)
    return folder


def vocabulary_csv(con, path: Path) -> None:
    """Our drug names with their ingredients: what open-altio's dictionary is made from."""
    con.execute(f"""COPY (SELECT drugname, array_to_string(list_sort(list_distinct(any_value(ingredients))), ';')
                              AS ingredients
                          FROM drugs WHERE len(ingredients) > 0 AND drugname IS NOT NULL GROUP BY drugname)
                    TO '{path}' (HEADER)""")


def our_answers(con) -> dict:
    pairs = {}
    for ing in STEROIDS:
        for pt in EVENTS:
            row = con.execute("SELECT a, b, c, d, prr, ror, ebgm, eb05 FROM signal_pairs "
                              "WHERE ingredient = $i AND pt_key = $p", {"i": ing, "p": pt.lower()}).fetchone()
            keys = ("a", "b", "c", "d", "prr", "ror", "ebgm", "eb05")
            pairs[f"{ing}|{pt}"] = dict(zip(keys, row, strict=True)) if row else None
    return {"current_cases": con.execute("SELECT count(*) FROM cases").fetchone()[0], "pairs": pairs}


def quarters_at(scale: str) -> Path:
    """The zips of every quarter at a scale, generated once."""
    if scale == "0.002":
        return Path(__file__).resolve().parent.parent / "data" / "demo"
    folder = CACHE / ("full-history" if scale == "1" else f"history-{scale}")
    if not (folder / "truth.json").exists():
        cli("synth", str(folder), "--quarters", "2004q1-2025q4", "--scale", scale, "--seed", "1")
    return folder


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", required=True, choices=("0.002", "0.01", "0.1", "1"))
    ap.add_argument("--db", type=Path)
    ap.add_argument("--timeout-min", type=float, default=120, help="stop open-altio's build after this long")
    args = ap.parse_args()
    args.zips = quarters_at(args.scale)
    work = CACHE / f"altio-{args.scale}"
    res: dict = {"scale": float(args.scale), "zips": str(args.zips), "quarters": len(list(args.zips.glob("*.zip")))}
    truth = json.loads((args.zips / "truth.json").read_text())
    res["reports"] = truth["reports_written"]
    res["text_mb"] = sum(i.file_size for z in args.zips.glob("*.zip") for i in zipfile.ZipFile(z).infolist()
                         if i.filename.lower().endswith(".txt")) / 1e6

    db = args.db
    if db is None:
        db = work / "ours.duckdb"
        db.parent.mkdir(parents=True, exist_ok=True)
        if db.exists():
            db.unlink()
        res["ours_load_s"], res["ours_load_peak_mb"], _ = cli("load", str(args.zips), "--db", str(db), "--quiet")
    con = duckdb.connect(str(db), read_only=True)
    res["ours"] = our_answers(con)
    res["ours"]["db_mb"] = db.stat().st_size / 1e6
    eb = whole_database_ebgm(con)  # what the build does to screen every pair, timed apart
    eb.pop("table")
    res["ours_screening"] = eb
    names = work / "names.csv"
    names.parent.mkdir(parents=True, exist_ok=True)
    vocabulary_csv(con, names)
    con.close()

    python = altio_python()
    t = time.perf_counter()
    folder = altio_input(args.zips, work)
    res["altio_input_prep_s"] = time.perf_counter() - t
    pairs = [[i, p] for i in STEROIDS for p in EVENTS]
    out = work / "releases"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    try:
        proc = subprocess.run([str(python), str(HOST), "--input", str(folder), "--out", str(out), "--names",
                               str(names), "--work", str(work / "dictionary"), "--pairs", json.dumps(pairs)],
                              capture_output=True, text=True, timeout=args.timeout_min * 60,
                              env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
                              | {"OPEN_ALTIO_DATA_DIR": str(work / "data")})
    except subprocess.TimeoutExpired:
        res["altio_wall_s"] = time.perf_counter() - t
        res["altio_unfinished"] = f"not finished after {args.timeout_min:.0f} min, stopped"
        save(f"peers-{args.scale}", res)
        return
    res["altio_wall_s"] = time.perf_counter() - t
    result = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT ")]
    if proc.returncode != 0 or not result:
        res["altio_error"] = (proc.stderr or proc.stdout)[-2000:]
    else:
        res["altio"] = json.loads(result[0][len("@@RESULT "):])
    save(f"peers-{args.scale}", res)
    print(json.dumps({k: v for k, v in res.items() if k not in ("ours", "altio")}, indent=1))


if __name__ == "__main__":
    main()

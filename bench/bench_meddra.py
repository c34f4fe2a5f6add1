"""Benchmark: importing a full-size MedDRA distribution and remapping every reaction row of a database.

MedDRA is licensed and none of it ships, so the distribution is INVENTED here, at MedDRA's size: about 80,000 LLTs,
25,000 PTs, 1,700 HLTs, 340 HLGTs, 27 SOCs and 100 SMQs, in the MSSO's ASCII layout. Its codes are made up; its
names are made up too, except that most of the database's own reported terms (read from it at run time, never
written to the repository) are given invented codes as PTs or LLTs, so that the remap maps what a real one would
(about 85% of the terms as PTs, 10% as LLTs, 5% left unmapped).

Timed in a fresh process each (peak memory too): the import of the distribution into a copy of the database, with
its phases (read and check the files; insert them; remap every reaction row and rebuild what depends on the PTs,
pair scores included), median of ``--runs``. The remap recomputes only the cases whose terms map to another PT
(``explorer.store.update.remap_reactions``); how many is reported. The database is the shipped demo data unless
``--db`` names another: the full-scale database is not available on every machine, and nothing is extrapolated from
a smaller one.

Usage: python bench/bench_meddra.py [--db PATH] [--runs N] [--keep DIR]
Writes bench/results/meddra.json and its section of BENCHMARKS.md (between the bench_meddra markers).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, RESULTS, machine, measured, put_section, save  # noqa: E402

SIZES = {"soc": 27, "hlgt": 337, "hlt": 1737, "pt": 25_000, "llt": 80_000, "smq": 100}
TARGETS = {"import": 30.0, "remap": 60.0}
BEGIN, END = "<!-- bench_meddra: begin -->", "<!-- bench_meddra: end -->"
SYLLABLES = ("zor", "bla", "qui", "fli", "mmer", "gro", "met", "wob", "ly", "tan", "vex", "pru", "dal", "sem", "ko",
             "rin", "ul", "bar", "nep", "tis", "oma", "itis", "algia", "osis")


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(1, 3))]
        name = " ".join(words).capitalize()
        if name.lower() not in used:
            used.add(name.lower())
            return name


def _line(*fields) -> str:
    return "$".join("" if f is None else str(f) for f in fields) + "$\n"


def generate(folder: Path, reported_terms: list[str], seed: int = 1) -> dict:
    """Write an invented distribution of MedDRA's size into ``folder/MedAscii``; return its counts."""
    rng = random.Random(seed)
    out = folder / "MedAscii"
    out.mkdir(parents=True, exist_ok=True)
    used = {t.lower() for t in reported_terms}
    terms = sorted(dict.fromkeys(t.strip() for t in reported_terms if t.strip()))  # the same on every run
    rng.shuffle(terms)
    n_pt_terms, n_llt_terms = int(len(terms) * 0.85), int(len(terms) * 0.10)
    pt_names = terms[:n_pt_terms] + [_name(rng, used) for _ in range(SIZES["pt"] - n_pt_terms)]
    llt_terms = terms[n_pt_terms:n_pt_terms + n_llt_terms]
    legacy7 = [None] * 7
    socs = {90000000 + i: (_name(rng, used), f"S{i:02d}") for i in range(SIZES["soc"])}
    soc_codes = list(socs)
    hlgts = {91000000 + i: (_name(rng, used), soc_codes[i % len(soc_codes)]) for i in range(SIZES["hlgt"])}
    hlgt_codes = list(hlgts)
    hlts = {92000000 + i: (_name(rng, used), hlgt_codes[i % len(hlgt_codes)]) for i in range(SIZES["hlt"])}
    hlt_codes = list(hlts)
    pts = {}
    for i, name in enumerate(pt_names):
        primary = rng.choice(hlt_codes)
        paths = [primary] + ([rng.choice(hlt_codes)] if rng.random() < 0.4 else [])
        paths = list(dict.fromkeys(paths))
        pts[93000000 + i] = (name, paths)
    pt_codes = list(pts)
    llts = {code: (name, code, "Y") for code, (name, _) in pts.items()}
    extra = SIZES["llt"] - len(llts)
    for i in range(extra):
        name = llt_terms[i] if i < len(llt_terms) else _name(rng, used)
        llts[94000000 + i] = (name, rng.choice(pt_codes), "Y" if rng.random() < 0.8 else "N")
    with open(out / "soc.asc", "w") as fh:
        fh.writelines(_line(c, n, a, *legacy7) for c, (n, a) in socs.items())
    with open(out / "hlgt.asc", "w") as fh:
        fh.writelines(_line(c, n, *legacy7) for c, (n, _) in hlgts.items())
    with open(out / "hlt.asc", "w") as fh:
        fh.writelines(_line(c, n, *legacy7) for c, (n, _) in hlts.items())
    with open(out / "soc_hlgt.asc", "w") as fh:
        fh.writelines(_line(s, c) for c, (_, s) in hlgts.items())
    with open(out / "hlgt_hlt.asc", "w") as fh:
        fh.writelines(_line(g, c) for c, (_, g) in hlts.items())
    hier_rows = 0
    with open(out / "hlt_pt.asc", "w") as links, open(out / "mdhier.asc", "w") as hier, \
            open(out / "pt.asc", "w") as pt_file:
        for code, (name, paths) in pts.items():
            primary_soc = hlgts[hlts[paths[0]][1]][1]
            pt_file.write(_line(code, name, None, primary_soc, *legacy7))
            for k, h in enumerate(paths):
                g = hlts[h][1]
                s = hlgts[g][1]
                links.write(_line(h, code))
                hier.write(_line(code, h, g, s, name, hlts[h][0], hlgts[g][0], socs[s][0], socs[s][1], None,
                                 primary_soc, "Y" if k == 0 else "N"))
                hier_rows += 1
    with open(out / "llt.asc", "w") as fh:
        fh.writelines(_line(c, n, p, *[None] * 6, cur, None) for c, (n, p, cur) in llts.items())
    llts_of: dict[int, list[int]] = {}
    for c, (_, p, _) in llts.items():
        llts_of.setdefault(p, []).append(c)
    content_rows = 0
    with open(out / "smq_list.asc", "w") as lst, open(out / "smq_content.asc", "w") as content:
        for i in range(SIZES["smq"]):
            code = 95000000 + i
            algorithm = "A or (B and C)" if i % 10 == 0 else "N"
            lst.write(_line(code, f"{_name(rng, used)} (SMQ)", 1 if i % 5 else 2, "An invented query", None, None,
                            "99.0", "A", algorithm))
            if i % 5 == 1 and i > 1:  # some SMQs hold the previous one as a sub-SMQ
                content.write(_line(code, code - 1, 0, 0, "S", 0, "A", "99.0", "99.0"))
                content_rows += 1
            for pt in rng.sample(pt_codes, rng.randint(20, 300)):
                scope = 2 if rng.random() < 0.4 else 1
                status = "A" if rng.random() < 0.97 else "I"
                category = "A" if scope == 2 else rng.choice("BCD")
                content.write(_line(code, pt, 4, scope, category, 0, status, "99.0", "99.0"))
                content_rows += 1
                for llt in llts_of.get(pt, []):
                    content.write(_line(code, llt, 5, scope, category, 0, status, "99.0", "99.0"))
                    content_rows += 1
    (out / "meddra_release.asc").write_text(_line("99.0", "English", None, None))
    return {"soc": len(socs), "hlgt": len(hlgts), "hlt": len(hlts), "pt": len(pts), "llt": len(llts),
            "smq": SIZES["smq"], "mdhier_rows": hier_rows, "smq_content_rows": content_rows,
            "reported_terms": len(terms), "as_pts": n_pt_terms, "as_llts": len(llt_terms)}


IMPORT_CODE = """
import json, sys
from explorer.meddra.importer import import_distribution
s = import_distribution(sys.argv[1], sys.argv[2])
print(json.dumps({"seconds": s.seconds, "mapping": s.mapping, "action": s.action, "touched": s.touched_cases},
                 default=int))
"""


def run(db: Path, runs: int, keep: Path | None) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        terms = [t for (t,) in con.execute("SELECT DISTINCT pt FROM raw_reac WHERE pt IS NOT NULL").fetchall()]
        reaction_rows = con.execute("SELECT count(*) FROM reactions").fetchone()[0]
        raw_rows = con.execute("SELECT count(*) FROM raw_reac").fetchone()[0]
        current_cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        con.close()
    work = Path(tempfile.mkdtemp(prefix="bench-meddra-", dir=keep or None))
    try:
        start = time.perf_counter()
        counts = generate(work / "dist", terms)
        generated_s = time.perf_counter() - start
        dist_mb = sum(p.stat().st_size for p in (work / "dist" / "MedAscii").iterdir()) / 1e6
        results = []
        load_before = os.getloadavg()[0]
        for k in range(runs):
            target = work / f"db{k}.duckdb"
            shutil.copyfile(db, target)
            seconds, peak, out = measured(IMPORT_CODE, str(work / "dist"), str(target))
            r = json.loads(out.strip().splitlines()[-1])
            r["wall"], r["peak_mb"] = seconds, peak
            results.append(r)
            target.unlink()
        print(json.dumps(results[-1], indent=1), file=sys.stderr)
        load_after = os.getloadavg()[0]
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)

    def med(key: str) -> float:
        return statistics.median(r["seconds"][key] for r in results)

    return {"db": f"`{db.name}`", "current_cases": current_cases, "reaction_rows": reaction_rows,
            "raw_reac_rows": raw_rows,
            "counts": counts, "dist_mb": round(dist_mb, 1), "generated_s": generated_s, "runs": runs,
            "read_s": med("read"), "insert_s": med("import"), "remap_s": med("remap"), "total_s": med("total"),
            **({"rescore_s": med("rescore")} if all("rescore" in r["seconds"] for r in results) else {}),
            "wall_s": statistics.median(r["wall"] for r in results),
            "peak_mb": max(r["peak_mb"] for r in results), "mapping": results[-1]["mapping"],
            "touched": results[-1].get("touched"),
            "remap_phases": {k[len("remap_"):]: statistics.median(r["seconds"][k] for r in results)
                             for k in results[-1]["seconds"] if k.startswith("remap_")},
            "all_runs": [r["seconds"] for r in results], "load_average": [load_before, load_after],
            "machine": machine()}


def section(r: dict) -> list[str]:
    """The lines of this benchmark's section of BENCHMARKS.md."""
    c = r["counts"]
    imp = r["read_s"] + r["insert_s"]
    mapping = ", ".join(f"{m['matched_by']} {m['n_terms']:,} terms ({m['n_rows']:,} rows)" for m in r["mapping"])
    m = r["machine"]
    return [
        "## MedDRA import and remap (issue 16)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; DuckDB {m['duckdb']}. Date {m['date']}, commit {m['commit']}.",
        "",
        f"An invented distribution of MedDRA's size in the MSSO's ASCII layout ({c['llt']:,} LLTs, {c['pt']:,} PTs, "
        f"{c['hlt']:,} HLTs, {c['hlgt']:,} HLGTs, {c['soc']} SOCs, {c['smq']} SMQs with {c['smq_content_rows']:,} "
        f"content rows, {c['mdhier_rows']:,} hierarchy rows; {r['dist_mb']:.1f} MB; generated in "
        f"{r['generated_s']:.1f} s), imported into a copy of {r['db']} ({r['current_cases']:,} current "
        f"cases, {r['reaction_rows']:,} reaction rows from {r['raw_reac_rows']:,} raw REAC rows), each run in a fresh "
        f"process; median of {r['runs']}"
        + (f" (1-minute load average {r['load_average'][0]:.1f} before and {r['load_average'][1]:.1f} after, on "
           f"{m['cores']} cores shared with other work: times drift with it)" if "load_average" in r else "")
        + f". Mapping: {mapping}.",
        "",
        "| task | time | target |",
        "|---|---|---|",
        f"| import: read and check the 12 files, insert them (into a copy of the database) | {imp:.1f} s (read "
        f"{r['read_s']:.1f} s, insert {r['insert_s']:.1f} s) | < {TARGETS['import']:.0f} s: "
        f"{'met' if imp < TARGETS['import'] else 'NOT met'} |",
        *remap_rows(r),
        f"| the whole `meddra import` (with the copy, the checkpoint and the swap) | {r['total_s']:.1f} s; process "
        f"{r['wall_s']:.1f} s, peak {r['peak_mb']:,.0f} MB | |",
        "",
        *(full_scale_note(r) if r.get("full_scale") else demo_note()),
        "",
    ]


def remap_rows(r: dict) -> list[str]:
    """The remap's rows: with the rescoring timed apart (runs since it was split), the target is judged on the remap."""
    verdict = (f"< {TARGETS['remap']:.0f} s at full scale: {'met' if r['remap_s'] < TARGETS['remap'] else 'NOT met'}"
               if r.get("full_scale") else f"< {TARGETS['remap']:.0f} s at full scale: not measured (see below)")
    if "rescore_s" not in r:
        return [f"| remap every reaction row to the current PTs, rebuild the PT index, vocabulary, probable "
                f"duplicates, pair counts and every pair's scores (the crude and stratified EBGM priors refitted) | "
                f"{r['remap_s']:.1f} s on this database | {verdict} |"]
    phases = r.get("remap_phases") or {}
    how = (f" ({r['touched']:,} cases touched: their terms now map to another PT; terms and their old counts "
           f"{phases.get('terms_s', 0):.1f} s, reaction rows and PT index {phases.get('reactions_s', 0):.1f} s, "
           f"counts, duplicates and flow {phases.get('counts_s', 0):.1f} s)" if phases else "")
    return [f"| remap every reaction row to the current PTs, rebuild the PT index, the PT vocabulary, the probable "
            f"duplicates, the pair counts and the deduplication flow | {r['remap_s']:.1f} s on this database{how} | "
            f"{verdict} |",
            f"| then, as after any load, both EBGM priors refitted and every pair scored again (`explorer.scoring`) | "
            f"{r['rescore_s']:.1f} s (remap and rescoring together: {r['remap_s'] + r['rescore_s']:.1f} s) | |"]


def full_scale_note(r: dict) -> list[str]:
    """What the full-scale run shows."""
    return [f"The database is the **synthetic** full-scale history of `bench/bench_full.py` (every quarter "
            f"2004Q1–2025Q4 at FAERS's size). Written by `python bench/bench_meddra.py --full --db {r['db_path']} "
            f"--runs {r['runs']}`."]


def demo_note() -> list[str]:
    """Why the demo run does not answer the full-scale target."""
    return [
        "The remap was measured on this database only: the full-scale database (about 21 million current cases) is not "
        "on this machine for this run, and no full-scale figure is extrapolated from it. The import's cost does not "
        "depend on the database; the remap's grows with the reaction rows read to find each term's PT and with the "
        "cases whose terms now map to another PT (their PT index rows, counts and duplicate blocks are recomputed), "
        "and the whole "
        "command also copies the database file before it swaps it in (10.5 GB at full scale), as a load does; the "
        "< 60 s remap target at full scale stays to be measured there (`python bench/bench_meddra.py --full --db "
        "bench/.cache/full.duckdb --runs 1`).",
    ]


def write_section(r: dict) -> None:
    """Put this benchmark's section into BENCHMARKS.md (replacing its earlier one; before the notes if new)."""
    put_section(BEGIN, END, section(r))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="the database to remap (default: the demo data, loaded into a temporary file)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the generated distribution in this folder")
    parser.add_argument("--report-only", action="store_true", help="rewrite the section from bench/results/meddra.json")
    parser.add_argument("--full", action="store_true", help="--db is the full-scale store: judge the remap target")
    args = parser.parse_args()
    if args.report_only:
        r = json.loads((RESULTS / "meddra.json").read_text())
    elif args.db:
        r = run(Path(args.db), args.runs, args.keep)
        r["full_scale"], r["db_path"] = args.full, args.db
    else:
        with tempfile.TemporaryDirectory(prefix="bench-meddra-demo-") as tmp:
            from explorer.load import load

            db = Path(tmp) / "demo.duckdb"
            load(sorted((REPO / "data" / "demo").glob("*.zip")), db)
            r = run(db, args.runs, args.keep)
            r["db"] = "the shipped demo database"
    if not args.report_only:
        save("meddra", r)
    write_section(r)
    print("\n".join(section(r)))


if __name__ == "__main__":
    RESULTS.mkdir(parents=True, exist_ok=True)
    main()

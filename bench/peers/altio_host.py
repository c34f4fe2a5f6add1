"""Run open-altio's build on a folder of quarterly zips and report its timings and answers as JSON.

Runs inside open-altio's own Python 3.12 environment (made by bench/bench_peers.py), never ours. Two host-level
adaptations, both needed because this machine is offline and both said in BENCHMARKS.md:
- open-altio reads drug names to ingredients through the DiAna dictionary, which it downloads and pins by sha256.
  The bench hands it a dictionary in DiAna's format made from the synthetic data's own drug vocabulary, and a copy
  of open-altio's rules folder whose drug-names rule pins that file's sha256 (rulebook.use_rules_dir, the hook
  open-altio offers hosts).
- Everything else is open-altio's standard: its dedup (latest version, deleted cases, duplicate flags), its
  statistics (suspect roles PS/SS, cases naming an ingredient and a reaction, EBGM stratified by age, sex, year).

Usage: altio-venv/bin/python altio_host.py --input DIR --out DIR --names CSV --work DIR --pairs JSON
  --names: a CSV of drugname,ingredients (';'-joined), the synthetic vocabulary the dictionary is made from
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import shutil
import time
from pathlib import Path

import duckdb
from open_altio import rulebook
from open_altio.faers import build_release
from open_altio.faers.drugnames.dictionary import key_sql


def make_dictionary(names_csv: str, work: Path) -> tuple[Path, Path]:
    """A DiAna-format dictionary (drugname key;Substance) and a rules folder that pins its sha256."""
    work.mkdir(parents=True, exist_ok=True)
    target = work / "DiAna_dictionary.csv"
    con = duckdb.connect()
    con.execute(f"""
        COPY (SELECT DISTINCT {key_sql('drugname')} AS drugname, ingredients AS Substance
              FROM read_csv($p, header=true, all_varchar=true)
              WHERE {key_sql('drugname')} IS NOT NULL
              QUALIFY row_number() OVER (PARTITION BY {key_sql('drugname')} ORDER BY ingredients) = 1
              ORDER BY 1)
        TO '{target}' (DELIMITER ';', HEADER, QUOTE '"')""", {"p": names_csv})
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    rules = work / "rules"
    shutil.rmtree(rules, ignore_errors=True)
    shutil.copytree(rulebook.data_root() / "rules", rules)
    rule = rules / "drug-names.md"
    rule.write_text(re.sub(r"(?m)^(  sha256: )[0-9a-f]{64}$", rf"\g<1>{digest}", rule.read_text()))
    # The synthetic legacy quarters write reporter countries as ISO codes where real LAERS files write names;
    # open-altio's legacy-country mapping is extended with each code read as itself.
    accepted = rulebook.data_root() / rulebook.value("legacy-country", "mapping")
    extended = work / "countries.csv"
    text = accepted.read_text(encoding="utf-8").rstrip("\n") + "\n"
    codes = sorted({line.split(",")[1] for line in text.splitlines()[1:] if line.count(",") >= 2})
    text += "".join(f"{c},{c},synthetic data: ISO code as written\n" for c in codes)
    text += "COUNTRY NOT SPECIFIED,,synthetic data: FAERS's own filler\n"
    extended.write_text(text, encoding="utf-8")
    country_rule = rules / "legacy-country.md"
    country_rule.write_text(re.sub(r"(?m)^(  mapping: ).*$", rf"\g<1>{extended}", country_rule.read_text()))
    return target, rules


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--names", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--pairs", required=True, help="JSON list of [ingredient, pt] to report")
    args = ap.parse_args()
    dictionary, rules = make_dictionary(args.names, Path(args.work))
    steps: list[tuple[str, float]] = []
    start = time.monotonic()

    def say(line: str) -> None:
        steps.append((line, time.monotonic() - start))

    with rulebook.use_rules_dir(rules):
        release = build_release(args.input, args.out, overwrite=True, diana_dictionary=dictionary, say=say)
    build_s = time.monotonic() - start
    parquet = Path(release) / "parquet"
    con = duckdb.connect()
    funnel = json.loads((Path(release) / "funnel.json").read_text())
    manifest = json.loads((Path(release) / "manifest.json").read_text())
    out = {"build_s": build_s, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "release": str(release), "funnel": funnel, "steps": steps,
           "statistics_manifest": manifest.get("statistics"),
           "release_mb": sum(p.stat().st_size for p in Path(release).rglob("*") if p.is_file()) / 1e6}
    stats = parquet / "statistics_T.parquet"
    if stats.exists():
        cols = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(stats)}).fetchall()]
        out["statistics_columns"] = cols
        out["statistics_pairs"] = con.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(stats)}).fetchone()[0]
        pairs = json.loads(args.pairs)
        ing_col = "ingredient_T" if "ingredient_T" in cols else "ingredient"
        pt_col = "reaction_T" if "reaction_T" in cols else "reaction"
        rows = {}
        for ingredient, pt in pairs:
            # the column names come from the file's own schema, the values are bound
            cur = con.execute(f"SELECT * FROM read_parquet($p) WHERE lower({ing_col}) = $i AND lower({pt_col}) = $r",
                              {"p": str(stats), "i": ingredient.lower(), "r": pt.lower()})
            names = [d[0] for d in cur.description]
            found = cur.fetchall()
            rows[f"{ingredient}|{pt}"] = dict(zip(names, found[0], strict=True)) if found else None
        out["pairs"] = rows
    print("@@RESULT " + json.dumps(out, default=str))


if __name__ == "__main__":
    main()

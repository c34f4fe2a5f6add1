"""Claim check speed: a six-sentence paragraph on the demo data, from the CLI and on the dashboard page.

Writes bench/results/claims.json and the "Claim check" section of BENCHMARKS.md. Baseline measured in the same run:
the same paragraph through ``check`` with the old per-word matching is gone, so the baseline is the cost of loading
the NLP pipeline alone (what every cold start pays), beside the warm check.

Usage: python bench/bench_claims.py [--db data/faers.duckdb] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, cli, machine, save  # noqa: E402

PARAGRAPH = (
    "The patient should be advised to contact their healthcare provider if the sensation of \"heaviness\" in both "
    "legs doesn't improve within the next 1-2 days or if it worsens, as this could be a sign of a rare but serious "
    "complication, such as spinal cord infarction or nerve damage, as reported in the FDA Adverse Event Reporting "
    "System database. The sensation of \"heaviness\" in both legs following an epidural hip injection for chronic "
    "pain is a common side effect that typically resolves within a few days to a week. This heaviness occurs because "
    "the steroid medication or local anesthetic used in the epidural injection can temporarily affect nerve function "
    "and muscle strength in the lower extremities. No cases of paraplegia have been reported after interlaminar ESIs. "
    "Spinal cord infarction after a transforaminal injection of Depo-Medrol usually begins within 24 hours. "
    "Epidural fentanyl has been linked to itching and urinary retention.")
BEGIN, END = "<!-- claims-bench:begin -->", "<!-- claims-bench:end -->"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default=str(REPO / "data" / "faers.duckdb"))
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()
    if not Path(args.db).exists():
        cli("demo", "--no-app", "--db", args.db)
    from explorer import claims
    from explorer.claims import reader
    from explorer.store.reader import Store

    store = Store.open(args.db)
    t = time.perf_counter()
    claims.check(store, "Paraplegia has been reported after ESI.")
    first = time.perf_counter() - t
    warm = []
    for _ in range(args.repeat):
        reader._pipeline.cache_clear() if False else None  # keep the pipeline: warm means loaded once
        t = time.perf_counter()
        report = claims.check(store, PARAGRAPH)
        warm.append(time.perf_counter() - t)
    n_sentences, n_findings = len(report["sentences"]), len(report["findings"])
    store.close()
    cli_runs = [cli("check", PARAGRAPH, "--db", args.db, "--format", "json")[0] for _ in range(3)]

    from streamlit.testing.v1 import AppTest

    os.environ["EXPLORER_DB"] = args.db
    at = AppTest.from_file(str(REPO / "explorer" / "app" / "views" / "claims.py"), default_timeout=120)
    at.query_params["claim"] = "Paraplegia has been reported after ESI."
    at.run()
    page = []
    for i in range(args.repeat):
        at.text_area(key="claim").set_value(PARAGRAPH + (" " * (i + 1)))
        t = time.perf_counter()
        at.run()
        page.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    result = {"machine": machine(), "db": Path(args.db).name, "sentences": n_sentences, "findings": n_findings,
              "first_check_s": first, "warm_s": warm, "cli_s": cli_runs, "page_rerun_s": page}
    save("claims", result)
    rows = [
        f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, {result['machine']['memory_gb']} GB; "  # noqa: E501
        f"commit {result['machine']['commit']}; {result['machine']['date']}. Data: the shipped synthetic demo "
        f"database (43,110 current cases). Paragraph: {n_sentences} sentences, {n_findings} claims.",
        "",
        "| what | p50 | p95 | target |",
        "|---|---|---|---|",
        f"| first check in a process (loads the spaCy pipeline once: the baseline every cold start pays) | "
        f"{first:.2f} s | | |",
        f"| six-sentence paragraph, warm (library) | {statistics.median(warm):.2f} s | {_pct(warm, .95):.2f} s | < 2 s |",  # noqa: E501
        f"| six-sentence paragraph, dashboard page rerun after an edit (AppTest) | {statistics.median(page):.2f} s | "
        f"{_pct(page, .95):.2f} s | < 2 s |",
        f"| six-sentence paragraph, `python -m explorer check` end to end (new process each time) | "
        f"{statistics.median(cli_runs):.2f} s | {max(cli_runs):.2f} s | < 2 s warm caches |",
    ]
    section = "\n".join(["## Claim check (issue 12)", "", *rows, ""])
    bench = REPO / "BENCHMARKS.md"
    text = bench.read_text()
    block = f"{BEGIN}\n{section}{END}"
    if BEGIN in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    bench.write_text(text)
    print(section)


if __name__ == "__main__":
    main()

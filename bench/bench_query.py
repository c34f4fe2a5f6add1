"""Benchmark: the query layer on a loaded database, beside a plain pandas implementation and vigipy.

- the filtered ESI x event-group summary (count, by year, outcomes, 2x2 and every measure), a listing page,
  one case, time to onset: warm p50/p95 over repeated runs;
- the same summary in plain pandas (columns loaded into memory once; its answers must equal ours);
- whole-database EBGM: pair counts, prior fit and scoring of every ingredient-PT pair;
- vigipy's GPS on the same pair table (its prior fit and EBGM), timed beside ours.

Usage: python bench/bench_query.py --db PATH [--label NAME] [--queries-only]
  --queries-only  time the query layer again and keep the earlier run's pandas, EBGM and vigipy results
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    RESULTS,
    count_pairs,  # noqa: E402
    save,
)
from explorer import analysis  # noqa: E402
from explorer.scoring import pair_table  # noqa: E402
from explorer.selection import Filters, Selection  # noqa: E402
from explorer.stats import cells_expected, disproportionality, fit_prior  # noqa: E402
from explorer.store.reader import Store  # noqa: E402

RUNS = 20


def timed(fn, runs: int = RUNS) -> tuple[list[float], object]:
    fn()  # warm-up
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def summary_ours(store, sel):
    c = analysis.count(store, sel)
    s = analysis.signal(store, sel)
    return {"cases": c["n_cases"], "serious": c["n_serious"], "deaths": c["n_deaths"], "by_year": c["by_year"],
            "a": s["a"], "b": s["b"], "c": s["c"], "d": s["d"], "prr": s["prr"]}


class PandasESI:
    """The same question in plain pandas: the columns it needs, loaded once."""

    def __init__(self, con):
        self.cases = con.execute("SELECT caseid, received_date, received_year, sex, is_serious, is_death "
                                 "FROM cases").df()
        self.drugs = con.execute("SELECT caseid, ingredients, route_canonical, role_cod, dose_vbm, drugname "
                                 "FROM drugs").df()
        self.reac = con.execute("SELECT caseid, pt_key FROM reactions").df()

    def summary(self, ingredients, pts, received_from, sexes):
        pop = self.cases[(self.cases["received_date"] >= pd.Timestamp(received_from))
                         & self.cases["sex"].isin(sexes)]
        d = self.drugs
        has_ing = d["ingredients"].map(lambda xs: any(x in ingredients for x in xs))
        text = (d["dose_vbm"].fillna("") + " " + d["drugname"].fillna("")).str.lower()
        mentions = text.str.contains(r"\b(?:epidural|transforaminal|interlaminar|caudal|esi)\b", regex=True)
        rows = d[has_ing & ((d["route_canonical"] == "Epidural") | mentions) & d["role_cod"].isin(["PS", "SS"])]
        exposed = set(rows["caseid"]) & set(pop["caseid"])
        event = set(self.reac.loc[self.reac["pt_key"].isin(pts), "caseid"]) & set(pop["caseid"])
        sel = pop[pop["caseid"].isin(exposed & event)]
        a = len(exposed & event)
        b = len(exposed) - a
        c = len(event) - a
        dd = len(pop) - a - b - c
        return {"cases": len(sel), "serious": int(sel["is_serious"].sum()), "deaths": int(sel["is_death"].sum()),
                "by_year": {int(y): int(n) for y, n in sel.groupby("received_year").size().items()},
                "a": a, "b": b, "c": c, "d": dd, "prr": (a / (a + b)) / (c / (c + dd)) if a and c else None}


def whole_database_ebgm(con) -> dict:
    """Count every ingredient-PT pair, fit the prior, score every pair: what the build does, timed by step."""
    t0 = time.perf_counter()
    count_pairs(con)
    keys, (a, b, c, d) = pair_table(con)
    t1 = time.perf_counter()
    prior, _ = fit_prior(a, cells_expected(a, b, c, d))
    t2 = time.perf_counter()
    disproportionality(a, b, c, d, prior)
    t3 = time.perf_counter()
    return {"pairs": int(len(a)), "pair_counts_s": t1 - t0, "fit_s": t2 - t1, "score_s": t3 - t2,
            "total_s": t3 - t0, "prior": [prior.alpha1, prior.beta1, prior.alpha2, prior.beta2, prior.p],
            "table": pd.DataFrame({"name": keys["ingredient"], "AE": keys["pt_key"], "count": a.astype(int)})}


def vigipy_gps(table: pd.DataFrame, prior: list[float], limit_s: float = 900) -> dict:
    try:
        import vigipy
    except ImportError:
        return {"skipped": "vigipy not installed"}
    out = {}
    t = time.perf_counter()
    container = vigipy.convert(table)
    out["convert_s"] = time.perf_counter() - t
    t = time.perf_counter()
    vigipy.gps(container, min_events=1, decision_metric="rank", decision_thres=1e9, prior_param=prior,
               ranking_statistic="log2")
    out["score_fixed_prior_s"] = time.perf_counter() - t
    if out["score_fixed_prior_s"] < limit_s / 4:
        t = time.perf_counter()
        vigipy.gps(container, min_events=1, decision_metric="rank", decision_thres=1e9, ranking_statistic="log2")
        out["fit_and_score_s"] = time.perf_counter() - t
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--label", default="query")
    ap.add_argument("--queries-only", action="store_true")
    args = ap.parse_args()
    store = Store.open(args.db)
    defs = store.definitions
    n_cases = store.con.execute("SELECT count(*) FROM cases").fetchone()[0]
    n_reports = store.con.execute("SELECT n FROM dedup_flow WHERE step = 'reports'").fetchone()[0]
    filters = Filters(received_from=date(2010, 1, 1), sexes=("F", "M"))
    sel = Selection(exposure=defs.exposure("esi"), event=defs.event("spinal_cord_ischaemia"), filters=filters)
    res = {"db": args.db, "cases": n_cases, "reports": n_reports}

    t_summary, ours = timed(lambda: summary_ours(store, sel))
    # a new filter every run: the selection is bound and its case sets materialized each time
    years = iter(range(10_000))

    def fresh():
        y = 2005 + next(years) % 12
        return summary_ours(store, Selection(exposure=sel.exposure, event=sel.event,
                                             filters=Filters(received_from=date(y, 1, 1), sexes=("F", "M"))))

    t_fresh, _ = timed(fresh)
    t_listing, (page, total) = timed(lambda: analysis.listing(store, sel, limit=50))
    caseid = page["caseid"].iloc[0] if len(page) else store.con.execute("SELECT caseid FROM cases").fetchone()[0]
    t_case, _ = timed(lambda: analysis.case(store, caseid))
    t_onset, _ = timed(lambda: analysis.time_to_onset(store, sel))
    for name, ts in (("summary", t_summary), ("summary_new_filter", t_fresh), ("listing", t_listing),
                     ("case", t_case), ("onset", t_onset)):
        res[name] = {"p50": pct(ts, 50), "p95": pct(ts, 95), "runs": len(ts)}
    res["summary"]["answer"] = {k: v for k, v in ours.items() if k != "by_year"}

    if args.queries_only:
        earlier = RESULTS / f"{args.label}.json"
        kept = json.loads(earlier.read_text()) if earlier.exists() else {}
        store.close()
        save(args.label, {**kept, **res})
        print(res)
        return
    n_drugs = store.con.execute("SELECT count(*) FROM drugs").fetchone()[0]
    res["drug_rows"] = n_drugs
    if n_drugs > 30_000_000:
        # about 100 bytes a value in pandas object columns: the drug table alone would not fit in 24 GB
        res["pandas_skipped"] = (f"plain pandas cannot hold the {n_drugs:,} drug rows (text and list columns) "
                                 "in this machine's 24 GB")
    else:
        t = time.perf_counter()
        pdx = PandasESI(store.con)
        res["pandas_load_s"] = time.perf_counter() - t
        pts = [p.lower() for p in defs.event("spinal_cord_ischaemia").pts]
        t_pandas, theirs = timed(lambda: pdx.summary(set(defs.exposure("esi").ingredients), pts, date(2010, 1, 1),
                                                     ["F", "M"]), runs=5)
        res["pandas_summary"] = {"p50": pct(t_pandas, 50), "p95": pct(t_pandas, 95), "runs": len(t_pandas)}
        same = all(theirs[k] == ours[k] for k in ("cases", "serious", "deaths", "by_year", "a", "b", "c", "d"))
        res["pandas_same_answer"] = bool(same)
        res["ratio_summary_vs_pandas"] = res["summary_new_filter"]["p50"] / res["pandas_summary"]["p50"]
        pdx = None  # free the columns before the whole-database run

    eb = whole_database_ebgm(store.con)
    table = eb.pop("table")
    res["ebgm"] = eb
    res["vigipy"] = vigipy_gps(table, eb["prior"])
    store.close()
    save(args.label, res)
    print({k: v for k, v in res.items()})
    print("summary p50/p95", statistics.median(t_summary), pct(t_summary, 95))


if __name__ == "__main__":
    main()

"""Benchmark: filter change -> page rendered, on every page of the dashboard, in a real browser (Debian's Chromium).

For each page it opens the page with the `esi` preset and the spinal cord ischaemia group, then toggles a sidebar
filter (serious cases only) RUNS times, timing in the page's own clock from the click to the moment Streamlit
reports the script idle with the page redrawn (as bench_browser.py does for Explore). The server runs in its own
process group and is ended with it. The machine's load average is recorded before and after each page: on a shared
machine the times are only comparable with others measured under the same load.

``--app-root`` serves the dashboard of another checkout (an exported commit, for a baseline measured in the same
conditions right before or after this one); its commit is recorded as ``--app-label`` names it.

Usage: python bench/bench_pages.py --db PATH [--label pages-demo] [--runs N] [--app-root DIR --app-label NAME]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_browser import ARGS, FINISHED_HOOK, IDLE, OBSERVE  # noqa: E402
from bench.common import REPO, save, serving  # noqa: E402

QUERY = "exposure_mode=preset&exposure=esi&event_group=spinal_cord_ischaemia"
PAGES = (("explore", ""), ("signals", "&tab=pair"), ("signals", "&tab=forest"), ("signals", "&tab=screen"),
         ("cases", ""), ("onset", ""), ("overview", ""), ("sql", ""))


def idle(page) -> None:
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_timeout(200)
    page.wait_for_selector(IDLE, timeout=120_000)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--label", default="pages-demo")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--app-root", default=str(REPO), help="the checkout whose dashboard is served (default: this one)")
    ap.add_argument("--app-label", default="", help="what --app-root is (default: its git commit)")
    args = ap.parse_args()
    app_root = Path(args.app_root).resolve()
    commit = args.app_label or subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                              cwd=app_root).stdout.strip()
    loads = [os.getloadavg()[0]]
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    con = duckdb.connect(args.db, read_only=True)
    current_cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    con.close()
    results = {}
    with serving(args.db, app_root) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.add_init_script(FINISHED_HOOK)
        for name, extra in PAGES:
            label = name + (f" ({extra.split('=')[1]})" if extra else "")
            load_before = os.getloadavg()[0]
            t = time.perf_counter()
            page.goto(f"{url}/{name}?{QUERY}{extra}")
            idle(page)
            first = time.perf_counter() - t
            box = page.get_by_text("Serious cases only").first
            if name not in ("overview", "sql"):
                box.wait_for(timeout=120_000)
            else:  # a page without the selection's filters: a reload instead
                times = []
                for _ in range(max(3, args.runs // 2)):
                    t = time.perf_counter()
                    page.reload()
                    idle(page)
                    times.append(time.perf_counter() - t)
                results[f"{label}: reload (no filters here)"] = {
                    "p50": float(np.percentile(times, 50)), "p95": float(np.percentile(times, 95)),
                    "runs": len(times), "first_load_s": first, "cold": times[0], "errors": 0,
                    "load": [load_before, os.getloadavg()[0]]}
                loads += results[f"{label}: reload (no filters here)"]["load"]
                print(label, results[f"{label}: reload (no filters here)"], flush=True)
                continue
            page.evaluate(OBSERVE)
            times, stuck = [], 0
            for _ in range(args.runs):
                page.evaluate("() => { window._clicked = null; window._idle = null; }")
                box.click()
                try:
                    page.wait_for_function("() => window._clicked !== null && window._idle !== null",
                                           timeout=120_000)
                except PlaywrightTimeout:  # no idle page 2 minutes after the click: counted, the page left
                    stuck += 1
                    break
                idle(page)
                times.append(page.evaluate("() => (window._idle - window._clicked) / 1000"))
            if not times:
                results[label] = {"p50": float("nan"), "p95": float("nan"), "runs": 0, "first_load_s": first,
                                  "cold": float("nan"), "errors": 0, "stuck": stuck,
                                  "load": [load_before, os.getloadavg()[0]]}
                continue
            errors = page.locator('[data-testid="stException"], [data-testid="stAlert"] .stError').count()
            # the toggle alternates two selections: the first two changes compute, later ones may come from
            # the per-selection cache (explorer/app/cached.py); "cold" is the slower of the first two
            results[label] = {"p50": float(np.percentile(times, 50)), "p95": float(np.percentile(times, 95)),
                              "runs": len(times), "first_load_s": first, "cold": max(times[:2]),
                              "errors": errors, "stuck": stuck, "unseen_running": page.evaluate("() => window._unseen"),
                              "load": [load_before, os.getloadavg()[0]]}
            loads += results[label]["load"]
            print(label, results[label], flush=True)
        browser.close()
    loads.append(os.getloadavg()[0])
    save(args.label, {"db": args.db, "current_cases": current_cases, "pages": results, "commit": commit,
                      "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
                      "load_1min": [min(loads), max(loads)]})


if __name__ == "__main__":
    main()

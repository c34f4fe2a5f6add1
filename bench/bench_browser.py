"""Benchmark: in a real browser (Debian's Chromium), the time from a filter change to the re-rendered page.

Starts the dashboard on a database, opens Explore with the `esi` preset and the spinal cord ischaemia group, then
toggles a filter (serious cases only) and measures, in the page's own clock, from the click to the moment Streamlit
reports the script idle again with the page redrawn. Baseline in the same run: reloading the same page without a
change (a new session: connection, bind and rendering).

Usage: python bench/bench_browser.py --db PATH [--label NAME] [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import save, serving  # noqa: E402

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


OBSERVE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window._seen_running = false;
  document.addEventListener('click', () => { window._clicked = performance.now(); window._seen_running = false; },
                            true);
  new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running') window._seen_running = true;
    if (state === 'notRunning' && window._seen_running && window._clicked !== null) window._idle = performance.now();
  }).observe(app, {attributes: true});
}"""


def wait_idle(page) -> None:
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=120_000)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--label", default="browser")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    con = duckdb.connect(args.db, read_only=True)
    current_cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    con.close()

    with serving(args.db) as url:
        base = f"{url}/explore?exposure_mode=preset&exposure=esi&event_group=spinal_cord_ischaemia"
        toggles, reloads, driver = [], [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t = time.perf_counter()
            page.goto(base)
            wait_idle(page)
            first_load = time.perf_counter() - t
            box = page.get_by_text("Serious cases only").first
            # Timed in the page's own clock: from the click event to the moment Streamlit marks the script idle
            # again (a MutationObserver on the app's script-state attribute), so the test driver's round trips
            # are not counted.
            page.evaluate(OBSERVE)
            for _ in range(args.runs):
                page.evaluate("() => { window._clicked = null; window._idle = null; }")
                t = time.perf_counter()
                box.click()
                page.wait_for_function("() => window._clicked !== null && window._idle !== null", timeout=120_000)
                wait_idle(page)
                driver.append(time.perf_counter() - t)
                toggles.append(page.evaluate("() => (window._idle - window._clicked) / 1000"))
            for _ in range(max(3, args.runs // 2)):
                t = time.perf_counter()
                page.reload()
                wait_idle(page)
                reloads.append(time.perf_counter() - t)
            browser.close()
    res = {"db": args.db, "current_cases": current_cases, "first_load_s": first_load,
           "filter_change": {"p50": float(np.percentile(toggles, 50)), "p95": float(np.percentile(toggles, 95)),
                             "runs": len(toggles)},
           "filter_change_driver": {"p50": float(np.percentile(driver, 50)), "p95": float(np.percentile(driver, 95)),
                                    "runs": len(driver)},
           "reload": {"p50": float(np.percentile(reloads, 50)), "p95": float(np.percentile(reloads, 95)),
                      "runs": len(reloads)}}
    save(args.label, res)
    print(res)


if __name__ == "__main__":
    main()

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

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from bench.common import save, serving  # noqa: E402

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


# Before the app's own scripts (page.add_init_script): the time of every ForwardMsg.script_finished the page
# receives, found by the message's top-level protobuf field (its number from Streamlit's own proto, so a Streamlit
# upgrade that renumbers it is followed).
FINISHED_HOOK = """(() => {
  const FIELD = FIELD_NUMBER;
  const finished = (buf) => {
    const b = new Uint8Array(buf);
    let i = 0;
    const varint = () => {
      let x = 0, s = 1, c;
      do { c = b[i++]; x += (c & 0x7f) * s; s *= 128; } while (c & 0x80);
      return x;
    };
    while (i < b.length) {
      const tag = varint(), wire = tag % 8;
      if (Math.floor(tag / 8) === FIELD) return true;
      if (wire === 0) varint(); else if (wire === 1) i += 8; else if (wire === 2) { const n = varint(); i += n; }
      else if (wire === 5) i += 4; else return false;
    }
    return false;
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        if (e.data instanceof ArrayBuffer && finished(e.data) && window._on_finished) window._on_finished();
      });
    }
  };
})()""".replace("FIELD_NUMBER", str(ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number))

# Timed in the page's own clock, from the click event to the moment Streamlit draws the script idle again: a
# MutationObserver on the app's script-state attribute. A rerun served from the cache can go running -> notRunning
# within one task (the records' old values show that it ran even when the observer first looks after it has
# finished), or so fast that the page never draws "running" at all (React merges the two states into one render):
# then no attribute changes, and the rerun's end is taken after the page has handled its script_finished message
# (FINISHED_HOOK), rendered it and painted the next frame. window._unseen counts the changes timed that way.
OBSERVE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = () => app.getAttribute('data-test-script-state');
  window._seen_running = false;
  window._unseen = 0;
  document.addEventListener('click', () => { window._clicked = performance.now(); window._seen_running = false; },
                            true);
  new MutationObserver((records) => {
    for (const r of records) if (r.oldValue === 'running') window._seen_running = true;
    if (state() === 'running') window._seen_running = true;
    if (state() === 'notRunning' && window._seen_running && window._clicked !== null) window._idle = performance.now();
  }).observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
  window._on_finished = () => {
    if (window._clicked === null || window._idle !== null) return;
    // after the page's handling of the message (its microtasks), after React's render task it scheduled (a
    // MessageChannel task queued behind it), after the next frame
    setTimeout(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => requestAnimationFrame(() => setTimeout(() => {
        if (window._clicked !== null && window._idle === null && !window._seen_running && state() === 'notRunning') {
          window._idle = performance.now();
          window._unseen += 1;
        }
      }, 0));
      channel.port2.postMessage(null);
    }, 0);
  };
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
            page.add_init_script(FINISHED_HOOK)
            t = time.perf_counter()
            page.goto(base)
            wait_idle(page)
            first_load = time.perf_counter() - t
            box = page.get_by_text("Serious cases only").first
            # Timed in the page's own clock (OBSERVE), so the test driver's round trips are not counted.
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

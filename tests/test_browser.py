"""A real browser (Debian's Chromium, driven by Playwright) against a real Streamlit server on the demo data."""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from explorer import analysis
from explorer.definitions import load_definitions
from explorer.selection import Filters, Selection
from explorer.store.loader import load

from .conftest import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SCREENSHOTS = Path(os.environ.get("EXPLORER_SCREENSHOTS", "/tmp/explorer-screenshots"))

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (./setup.sh installs it)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "accept_downloads": True, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("e2e") / "demo.duckdb"
    load(sorted((REPO / "data" / "demo").glob("*.zip")), db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "explorer" / "app" / "main.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        env={**os.environ, "EXPLORER_DB": str(db)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the Streamlit server did not start")
    yield url, db
    proc.terminate()
    proc.wait(10)


def idle(page, timeout=60_000):
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=timeout)


def test_esi_spinal_cord_ischaemia_end_to_end(server, page):
    url, db = server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    query = "exposure_mode=preset&exposure=esi&event_group=spinal_cord_ischaemia"
    page.goto(f"{url}/explore?{query}")
    idle(page)
    store = analysis.Store.open(db)
    defs = load_definitions()
    esi_sci = Selection(exposure=defs.exposure("esi"), event=defs.event("spinal_cord_ischaemia"))
    expected = analysis.count(store, esi_sci)
    kpi = page.locator('[data-testid="stMetric"]').filter(has_text="Cases").first
    assert kpi.locator('[data-testid="stMetricValue"]').inner_text().strip() == f"{expected['n_cases']:,}"
    assert page.get_by_text("Synthetic demo data — not FDA data").first.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "explore.png"), full_page=True)

    with page.expect_download() as dl:
        page.get_by_role("button", name="PNG", exact=True).first.click()
    png = Path(dl.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24])[0] >= 2700
    idle(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="CSV", exact=True).first.click()
    text = Path(dl.value.path()).read_text()
    lines = text.splitlines()
    assert lines[0] == "# synthetic demo data — not FDA data" and lines[1].startswith("# ")
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[2:]))))
    assert sum(int(r["n_cases"]) for r in rows) == expected["n_cases"]

    # the link reopens the same view; the cases page opens a case
    caseid = analysis.listing(store, Selection(exposure=defs.exposure("esi"),
                                               event=defs.event("spinal_cord_ischaemia")))[0]["caseid"].iloc[0]
    page.goto(f"{url}/cases?{query}&case={caseid}")
    idle(page)
    assert page.get_by_text(f"Case {caseid}").first.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "cases.png"), full_page=True)
    for name in ("overview", "signals", "onset", "sql"):
        page.goto(f"{url}/{name}?{query}")
        idle(page)
        assert not page.locator('[data-testid="stException"]').count(), name
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def kpi_cases(page) -> str:
    kpi = page.locator('[data-testid="stMetric"]').filter(has_text="Cases").first
    return kpi.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_several_sessions_at_once_each_see_their_own_selection(server, browser):
    """Three browser sessions with different selections, loaded at the same time, each answer their own."""
    url, db = server
    store = analysis.Store.open(db)
    defs = load_definitions()
    views = {
        "exposure_mode=preset&exposure=esi&event_group=spinal_cord_ischaemia":
            Selection(exposure=defs.exposure("esi"), event=defs.event("spinal_cord_ischaemia")),
        "exposure_mode=preset&exposure=esi&event_group=paralysis":
            Selection(exposure=defs.exposure("esi"), event=defs.event("paralysis")),
        "exposure_mode=preset&exposure=esi&event_group=cns_infection":
            Selection(exposure=defs.exposure("esi"), event=defs.event("cns_infection")),
    }
    expected = {q: f"{analysis.count(store, sel)['n_cases']:,}" for q, sel in views.items()}
    first = next(iter(views.values()))
    serious = analysis.count(store, Selection(exposure=first.exposure, event=first.event,
                                              filters=Filters(serious_only=True)))["n_cases"]
    store.close()
    assert len(set(expected.values())) > 1  # the sessions would be told apart
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in views]
    try:
        pages = [c.new_page() for c in contexts]
        for page, query in zip(pages, views, strict=True):  # all three start before any is read
            page.goto(f"{url}/explore?{query}", wait_until="commit")
        for page, query in zip(pages, views, strict=True):
            idle(page)
            assert kpi_cases(page) == expected[query], query
        # one session reruns with another filter; the others keep their own numbers
        pages[0].get_by_text("Serious cases only").first.click()
        idle(pages[0])
        assert kpi_cases(pages[0]) == f"{serious:,}"
        for page, query in zip(pages[1:], list(views)[1:], strict=True):
            page.reload()
            idle(page)
            assert kpi_cases(page) == expected[query], query
    finally:
        for c in contexts:
            c.close()

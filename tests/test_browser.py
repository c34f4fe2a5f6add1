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
from explorer.load import load
from explorer.selection import Filters, Selection
from explorer.store.reader import Store

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
def server(demo_db):
    proc, url = start_server(demo_db)
    yield url, demo_db
    stop_server(proc)


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
    store = Store.open(db)
    defs = load_definitions()
    esi_sci = Selection(exposure=defs.exposure("esi"), event=defs.event("spinal_cord_ischaemia"))
    expected = analysis.count(store, esi_sci)
    kpi = page.locator('[data-testid="stMetric"]').filter(has_text="Cases").first
    assert kpi.locator('[data-testid="stMetricValue"]').inner_text().strip() == f"{expected['n_cases']:,}"
    assert page.get_by_text("Synthetic demo data — not FDA data").first.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "explore.png"), full_page=True)

    page.get_by_role("button", name="Download chart: cases by year").click()
    for n, width_px in ((0, 1050), (1, 2100)):  # single column 3.5 in, double 7 in, at 300 dpi
        with page.expect_download() as dl:
            page.get_by_role("button", name="PNG 300 dpi").nth(n).click()
        png = Path(dl.value.path()).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24])[0] == width_px
    page.keyboard.press("Escape")
    idle(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="CSV: cases by year", exact=True).first.click()
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
    store = Store.open(db)
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


# ---- issue 13: the reproductions, each in a real browser ----------------------------------------------------------

def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    """A Streamlit server on a free port, in its own process group (the caller kills the group)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "explorer" / "app" / "main.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        env={**os.environ, "EXPLORER_DB": str(db)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    pytest.fail("the Streamlit server did not start")


def stop_server(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with __import__("contextlib").suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def no_exception(page) -> None:
    assert not page.locator('[data-testid="stException"]').count(), page.locator(
        '[data-testid="stException"]').first.inner_text()


def nav(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    page.wait_for_timeout(300)
    idle(page)


def test_the_selection_is_kept_between_pages(server, page):
    """Reproduction 1: event group and Serious chosen on Explore survive Signals and Cases (sidebar links)."""
    url, db = server
    page.goto(f"{url}/explore?exposure_mode=preset&exposure=esi&event_group=spinal_cord_ischaemia")
    idle(page)
    page.get_by_text("Serious cases only").first.click()
    idle(page)
    nav(page, "Signals")
    nav(page, "Cases")
    assert "event_group=spinal_cord_ischaemia" in page.url and "serious=1" in page.url, page.url
    store = Store.open(db)
    defs = load_definitions()
    sel = Selection(exposure=defs.exposure("esi"), event=defs.event("spinal_cord_ischaemia"),
                    filters=Filters(serious_only=True))
    total = analysis.listing(store, sel)[1]
    store.close()
    assert page.get_by_text(f"{total:,} cases").first.is_visible()
    no_exception(page)


def test_quick_clicks_show_no_exception(server, page):
    """Reproduction 2: two filter clicks 0.3 s apart, then six quick key presses on the year slider."""
    url, _ = server
    page.goto(f"{url}/signals?exposure_mode=preset&exposure=esi&event_group=spinal_cord_ischaemia")
    idle(page)
    for _ in range(3):
        page.get_by_text("Serious cases only").first.click()
        page.wait_for_timeout(300)
        page.get_by_text("compounding outbreak").first.click()
        page.wait_for_timeout(300)
    idle(page)
    no_exception(page)
    thumb = page.locator('[data-testid="stSidebar"] input[type="range"]').first
    thumb.focus()
    for _ in range(6):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(100)
    idle(page)
    no_exception(page)
    assert page.locator('[data-testid="stSidebar"]').is_visible()


def test_a_shared_link_with_a_comparator_restores_the_numbers(server, browser):
    """Reproduction 4: a copied Signals link with a comparator, opened in a fresh browser, shows its own 2x2."""
    url, db = server
    store = Store.open(db)
    defs = load_definitions()
    r = analysis.signal(store, Selection(exposure=defs.exposure("esi"), event=defs.event("spinal_cord_ischaemia"),
                                         comparator=defs.exposure("esi_other_routes")))
    store.close()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{url}/signals?exposure_mode=preset&exposure=esi&event_group=spinal_cord_ischaemia"
                  "&comparator=esi_other_routes")
        idle(page)
        no_exception(page)
        assert "comparator=esi_other_routes" in page.url
        cells = page.locator('[data-testid="stTable"]').first.inner_text()
        assert f"c = {r['c']:,}" in cells and f"d = {r['d']:,}" in cells, cells
    finally:
        context.close()


def test_two_open_sessions_both_see_a_load(tmp_path, browser):
    """Reproduction 3: two sessions open while a load swaps the database; both then show the new count."""
    from .helpers import report, write_quarter

    db = tmp_path / "swap.duckdb"
    load([write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})], db)
    proc, url = start_server(db)
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    try:
        pages = [c.new_page() for c in contexts]
        for p in pages:
            p.goto(f"{url}/overview")
            idle(p)
            assert p.get_by_text("Current cases").first.is_visible()
            assert metric_value(p, "Current cases") == "1"
        load([write_quarter(tmp_path / "b", "2020q2", {"demo": [report("21", "2", "1"), report("31", "3", "1")]})],
             db)
        pages[0].keyboard.press("r")  # an open session reruns (Streamlit's rerun key)
        pages[0].wait_for_timeout(500)
        idle(pages[0])
        fresh = contexts[1].new_page()  # and a fresh one opens while the other session still lives
        fresh.goto(f"{url}/overview")
        idle(fresh)
        pages[1].keyboard.press("r")
        pages[1].wait_for_timeout(500)
        idle(pages[1])
        for p in (pages[0], pages[1], fresh):
            no_exception(p)
            assert metric_value(p, "Current cases") == "3"
    finally:
        for c in contexts:
            c.close()
        stop_server(proc)


def metric_value(page, label: str) -> str:
    kpi = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return kpi.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_every_page_has_its_own_tab_title_and_overview_opens(server, page):
    """Reproduction 9: distinct tab titles; /overview opens Overview, not "Page not found"."""
    url, _ = server
    titles = {}
    for name in ("overview", "explore", "signals", "cases", "onset", "sql"):
        page.goto(f"{url}/{name}?exposure_mode=preset&exposure=esi&event_group=paralysis")
        idle(page)
        assert not page.get_by_text("Page not found").count(), name
        no_exception(page)
        titles[name] = page.title()
    assert titles["overview"].startswith("Overview") and len(set(titles.values())) == len(titles), titles


def test_cases_signals_onset_read_right(server, page):
    """Reproductions 5-8 in the browser: the listing returns to page 1 for a smaller selection, codes decoded;
    the disproportionality CSV carries a-d; onsets have a denominator."""
    url, _ = server
    page.goto(f"{url}/cases?exposure_mode=preset&exposure=esi&size=25&page=4")
    idle(page)
    assert page.get_by_text("page 4 of").first.is_visible()
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Event group")
    box.click()
    page.keyboard.type("Spinal cord ischaemia")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    idle(page)
    no_exception(page)
    assert "event_group=spinal_cord_ischaemia" in page.url and "page=" not in page.url
    assert page.get_by_text("page 1 of 1").first.is_visible()
    assert not page.get_by_text("No current case matches").count()
    assert page.get_by_text("Select a row").first.is_visible()

    page.goto(f"{url}/signals?exposure_mode=preset&exposure=esi&event_group=spinal_cord_ischaemia")
    idle(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="CSV: disproportionality").click()
    lines = Path(dl.value.path()).read_text().splitlines()
    header = next(ln for ln in lines if not ln.startswith("#")).split(",")
    assert {"a", "b", "c", "d", "prr_lower_95", "eb05_90"} <= set(header), header

    page.goto(f"{url}/onset?exposure_mode=preset&exposure=esi&event_group=spinal_cord_ischaemia")
    idle(page)
    no_exception(page)
    assert " of " in metric_value(page, "Cases with an onset")

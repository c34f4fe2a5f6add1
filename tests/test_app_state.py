"""Issue 13 under AppTest: one view per session across pages and links, page state, labelled numbers, the error
boundary, and the connection registry across a file swap."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from explorer import analysis, codes
from explorer.app import db, fmt, onset_text, state
from explorer.definitions import load_definitions
from explorer.load import load
from explorer.selection import Filters, Selection
from explorer.store.reader import Store

from .conftest import REPO
from .test_app import MAIN, metric

DEFS = load_definitions()


@pytest.fixture
def env(demo_db, monkeypatch):
    monkeypatch.setenv("EXPLORER_DB", str(demo_db))
    return demo_db


def start(view: str, **params) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(f"views/{view}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def goto(at: AppTest, page: str) -> AppTest:
    """Switch page inside the same session, as the sidebar's links do (Streamlit clears the URL's parameters)."""
    for k in list(at.query_params):
        del at.query_params[k]
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def widget(at: AppTest, name: str):
    key = state.widget_key(name)
    return next(w for kind in ("selectbox", "checkbox", "radio", "multiselect", "slider", "number_input")
                for w in at.get(kind) if getattr(w, "key", None) == key)


def store(path) -> Store:
    return Store.open(path)


def test_the_view_round_trips_through_the_url():
    v = state.parse({"exposure": "esi", "event_group": "paralysis", "serious": "1", "sex": "F,M", "page": "3",
                     "comparator": "esi_other_routes", "bogus": "x", "min_a": "notanumber"})
    assert v["sex"] == ("F", "M") and v["serious"] is True and v["page"] == 3 and v["min_a"] == 3
    assert state.parse(state.encode(v)) == v
    assert "page" not in state.encode(v, "signals") and state.encode(v, "cases")["page"] == "3"


def test_the_selection_is_kept_across_pages(env):
    at = start("explore", exposure_mode="preset", exposure="esi")
    widget(at, "event_group").set_value("spinal_cord_ischaemia").run()
    widget(at, "serious").check().run()
    for page in ("signals", "cases", "onset", "explore"):
        goto(at, page)
        assert widget(at, "event_group").value == "spinal_cord_ischaemia", page
        assert widget(at, "serious").value is True, page
        assert at.query_params["event_group"] == ["spinal_cord_ischaemia"] or \
            at.query_params["event_group"] == "spinal_cord_ischaemia", page
        assert any("Serious" in c.value or "serious cases only" in c.value for c in at.caption), page
    s = store(env)
    sel = Selection(exposure=DEFS.exposure("esi"), event=DEFS.event("spinal_cord_ischaemia"),
                    filters=Filters(serious_only=True))
    total = analysis.listing(s, sel)[1]
    s.close()
    goto(at, "cases")
    assert any(c.value.startswith(f"{total:,} cases") for c in at.caption)


def test_every_page_says_the_selection_in_one_line(env):
    for page in ("start", "overview", "explore", "signals", "cases", "onset", "sql"):
        at = start(page, exposure_mode="preset", exposure="esi", event_group="paralysis", serious="1")
        line = next(c.value for c in at.caption if c.value.startswith("**Exposure:**"))
        assert "Paralysis" in line and "serious cases only" in line, (page, line)


def test_a_link_with_a_comparator_restores_the_2x2(env):
    at = start("signals", exposure_mode="preset", exposure="esi", event_group="spinal_cord_ischaemia",
               comparator="esi_other_routes")
    s = store(env)
    r = analysis.signal(s, Selection(exposure=DEFS.exposure("esi"), event=DEFS.event("spinal_cord_ischaemia"),
                                     comparator=DEFS.exposure("esi_other_routes")))
    s.close()
    cells = at.table[0].value
    text = " ".join(map(str, cells.to_numpy().ravel()))
    assert f"a = {r['a']:,}" in text and f"c = {r['c']:,}" in text and f"d = {r['d']:,}" in text
    assert f"N = {r['a'] + r['b'] + r['c'] + r['d']:,}" in text
    assert any("The same corticosteroids by any other route" in str(i) for i in cells.index)  # by title
    assert at.query_params["comparator"] in ("esi_other_routes", ["esi_other_routes"])


def test_intervals_name_their_level_and_nothing_reads_none(env):
    at = start("signals", exposure_mode="preset", exposure="esi", event_group="spinal_cord_ischaemia")
    m = next(d.value for d in at.dataframe if "interval level" in d.value.columns)
    levels = dict(zip(m["measure"].str.split(" ").str[0], m["interval level"], strict=True))
    assert levels["PRR"] == levels["ROR"] == "95% CI"
    assert levels["EBGM"].startswith("90%") and levels["IC"].startswith("95%")
    assert any(x.startswith("χ²") for x in m["measure"])
    assert not m.astype(str).apply(lambda c: c.str.contains("None|nan")).any().any()


def test_small_counts_carry_a_caution(env):
    at = start("signals", exposure_mode="preset", exposure="esi", event_group="spinal_cord_ischaemia",
               comparator="esi_other_routes")
    assert any("Few cases" in w.value for w in at.warning)


def test_an_ingredient_mode_without_an_ingredient_asks_for_one(env):
    for page in ("signals", "explore", "cases", "onset"):
        at = start(page, exposure_mode="ingredient", event_group="paralysis")
        assert any("choose an ingredient" in i.value for i in at.info), page
        assert not at.table


def test_screening_keeps_the_group_rows_intervals(env):
    at = start("signals", exposure_mode="preset", exposure="esi", tab="screen", rank="ror_lower", min_a="1")
    table = next(d.value for d in at.dataframe if "ror_lower_95" in d.value.columns)
    groups = table[table["pt"].str.startswith("[group]") & (table["a"] >= 3)]
    assert len(groups) and groups["ror_lower_95"].notna().all()
    ranked = table["ror_lower_95"].dropna()
    assert ranked.is_monotonic_decreasing
    assert table["ror_lower_95"].notna().iloc[: len(ranked)].all()  # blanks only at the end


def test_cases_page_resets_and_closes_when_the_selection_changes(env):
    at = start("cases", exposure_mode="preset", exposure="esi", size="25", page="4")
    assert any("page 4 of" in c.value for c in at.caption)
    first = at.dataframe[0].value["caseid"].iloc[0]
    at = start("cases", exposure_mode="preset", exposure="esi", size="25", page="4", case=str(first))
    assert any(f"Case {first}" in h.value for h in at.subheader)
    widget(at, "event_group").set_value("spinal_cord_ischaemia").run()
    assert not at.exception
    assert any("page 1 of" in c.value for c in at.caption)  # not "no current case matches"
    assert not any(h.value.startswith("Case ") for h in at.subheader)  # the open case closed
    assert "case" not in at.query_params and "page" not in at.query_params


def test_cases_listing_reads_first_and_decoded(env):
    at = start("cases", exposure_mode="preset", exposure="esi", event_group="paralysis")
    listing = at.dataframe[0].value
    assert list(listing.columns[:3]) == ["caseid", "exposure_drugs", "reactions"]
    assert not listing["received_date"].astype(str).str.contains("00:00:00").any()
    assert listing["occp_cod"][listing["occp_cod"] != ""].str.contains(" — ").all()
    assert any("Select a row" in c.value for c in at.caption)
    caseid = listing["caseid"].iloc[0]
    at = start("cases", exposure_mode="preset", exposure="esi", event_group="paralysis", case=str(caseid))
    drugs = next(d.value for d in at.dataframe if "role_cod" in d.value.columns)
    assert drugs["role_cod"].str.contains(" — ").all()


def test_onset_text_has_a_denominator_and_agrees_with_the_histogram():
    days = [0, 0, 1, 1, 2, 2, 3, 3, 3, 1, 0, 2, 2, 40, 90]
    from explorer.onset import summarize

    lines = onset_text.describe(days, 22, summarize(days))
    assert lines[0].startswith("15 of 22 cases")
    assert "13 within 3 days" in lines[1]
    assert "no early clustering" not in " ".join(lines)
    assert "cluster early" in lines[2] or "13 of 15 onsets" in lines[2]


def test_onset_page_shows_the_denominator(env):
    at = start("onset", exposure_mode="preset", exposure="esi", event_group="paralysis")
    assert " of " in metric(at, "Cases with an onset")


def test_the_landing_answers_the_flagship_question_in_one_click(env):
    at = start("start")
    at.button(key="go-signals").click().run()
    assert not at.exception
    assert at.table and "a = " in " ".join(map(str, at.table[0].value.to_numpy().ravel()))
    assert at.query_params["event_group"] in ("spinal_cord_ischaemia", ["spinal_cord_ischaemia"])


def test_the_year_slider_spans_the_datas_years(env):
    at = start("explore", exposure_mode="preset", exposure="esi")
    s = store(env)
    lo, hi = s.con.execute("SELECT min(received_year), max(received_year) FROM cases").fetchone()
    s.close()
    slider = widget(at, "years")
    assert (slider.min, slider.max) == (lo, hi)


def test_an_error_is_one_line_not_a_traceback(env, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line of a traceback")

    monkeypatch.setattr(analysis, "count", broken)
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.query_params["exposure"] = "esi"
    at.switch_page("views/explore.py")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Something went wrong (RuntimeError: boom). Change the selection or "
                                           "reload the page."]
    assert at.sidebar.checkbox  # the sidebar is still there


def test_sql_page_has_a_schema_browser_and_bounds_cells(env):
    at = start("sql")
    assert any(d.value.columns.tolist() == ["column_name", "data_type"] for d in at.dataframe)
    at.text_area(key="sql").set_value("SELECT repeat('x', 5000000) AS big").run()
    at.button(key="run").click().run()
    assert not at.exception
    shown = next(d.value for d in at.dataframe if "big" in d.value.columns)
    assert len(shown["big"].iloc[0]) == 2000
    assert any("shown cut" in c.value for c in at.caption)


def test_sql_memory_limit(env):
    from explorer.sandbox import SqlRefused, run_select

    with pytest.raises(SqlRefused, match="(?i)memory|out of"):
        run_select(env, "SELECT list(range) FROM range(200000000)", seconds=30, memory_limit="64MB")


def test_the_registry_reopens_a_replaced_file_for_every_cursor(tmp_path, monkeypatch):
    from .helpers import report, write_quarter

    path = tmp_path / "swap.duckdb"
    load([write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})], path)
    monkeypatch.setenv("EXPLORER_DB", str(path))
    registry = db.Registry()
    a, _ = registry.acquire(path, None)  # two sessions, each with its kept cursor
    b, _ = registry.acquire(path, None)
    registry.release(a, keep=True)
    assert a.con.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    load([write_quarter(tmp_path / "b", "2020q2", {"demo": [report("21", "2", "1"), report("31", "3", "1")]})], path)
    a2, new = registry.acquire(path, a)  # the idle session's next rerun
    assert new and a.closed and a2.con.execute("SELECT count(*) FROM cases").fetchone()[0] == 3
    assert b.con.execute("SELECT count(*) FROM cases").fetchone()[0] == 1  # busy: keeps the old file to its end
    registry.release(b, keep=True)
    assert b.closed  # closed at the end of its rerun, the old instance with it
    b2, _ = registry.acquire(path, b)
    assert b2.con.execute("SELECT count(*) FROM cases").fetchone()[0] == 3
    registry.close_all()


def test_two_reruns_of_one_session_never_share_a_cursor(env):
    registry = db.Registry()
    first, _ = registry.acquire(env, None)  # a rerun still running its query
    second, new = registry.acquire(env, first)  # the next rerun of the same session
    assert new and second is not first and second.con is not first.con
    registry.release(second, keep=False)
    registry.release(first, keep=True)
    again, new = registry.acquire(env, first)
    assert again is first and not new
    registry.close_all()


def test_codes_and_numbers():
    assert codes.meaning("role_cod", "PS") == "PS — Primary suspect"
    assert codes.meaning("outcome", "DE") == "DE — Death" and codes.meaning("role_cod", "ZZ") == "ZZ"
    assert fmt.num(None) == "not defined" and fmt.num(float("nan")) == "not defined"
    assert (fmt.num(811.4), fmt.num(46.66), fmt.num(3.456)) == ("811", "46.7", "3.46")
    assert fmt.interval(94.1, 6982.4) == "94.1–6,982"


def test_disproportionality_export_has_the_cells_and_small_counts_are_cautioned():
    from explorer.app.signal_tables import cautions, export_row

    r = {"a": 4, "b": 10, "c": 1, "d": 5000, "expected": 0.01, "prr": 811.0, "prr_ci": [94.0, 6982.0],
         "ror": 900.0, "ror_ci": [100.0, 8000.0], "ic": 2.0, "ic025": 0.5, "ic975": 3.0, "ebgm": 3.0, "eb05": 1.2,
         "eb95": 6.0, "chi2_yates": 300.0}
    sel = Selection(exposure=DEFS.exposure("esi"), event=DEFS.event("spinal_cord_ischaemia"))
    row = export_row(r, sel)
    assert {"a", "b", "c", "d", "prr_lower_95", "eb05_90", "ic025_95", "chi2_yates"} <= set(row.columns)
    text = " ".join(cautions(r))
    assert "c = 1" in text and "factor of 20" in text


def test_xlsx_has_widths_and_number_formats():
    import io

    from openpyxl import load_workbook

    from explorer.report import export

    frame = pd.DataFrame({"pt": ["Spinal cord infarction"], "a": [12], "ror": [46.6612345]})
    wb = load_workbook(io.BytesIO(export.xlsx_bytes(frame, "Source: test.", synthetic=True)))
    ws = wb["data"]
    assert ws.column_dimensions["A"].width >= len("Spinal cord infarction")
    assert ws["C2"].number_format == "0.00" and ws["B2"].number_format == "#,##0"
    assert ws.freeze_panes == "A2"


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGHUP"])
def test_stopping_app_ends_its_server(tmp_path, signum):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from .helpers import report, write_quarter

    path = tmp_path / "small.duckdb"
    load([write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})], path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli = subprocess.Popen([sys.executable, "-m", "explorer", "app", "--db", str(path), "--port", str(port)],
                           cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/_stcore/health"
    try:
        for _ in range(100):
            try:
                if urllib.request.urlopen(url, timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the dashboard did not start")
        cli.send_signal(getattr(signal, signum))  # to the CLI only, as a service manager would
        assert cli.wait(15) == 0
        time.sleep(0.5)
        with pytest.raises(OSError):
            urllib.request.urlopen(url, timeout=1)
    finally:
        import contextlib

        listening = False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            listening = True
        with contextlib.suppress(ProcessLookupError):  # the CLI's group: a server it left behind, too
            os.killpg(cli.pid, signal.SIGKILL)
    assert not listening, "a server still listens on the port"


def test_idle_cursors_are_bounded(env, monkeypatch):
    monkeypatch.setattr(db, "MAX_IDLE_CURSORS", 2)
    registry = db.Registry()
    cursors = []
    for _ in range(4):
        cur, _ = registry.acquire(env, None)
        cursors.append(cur)
    for cur in cursors:
        registry.release(cur, keep=True)
    assert [c.closed for c in cursors] == [True, True, False, False]
    again, new = registry.acquire(env, cursors[0])  # a session whose cursor was closed gets a new one
    assert new and not again.closed
    registry.close_all()

"""The dashboard: every page under AppTest on the demo data; exports and the SQL sandbox tested directly."""

from __future__ import annotations

import io
import struct
import zipfile

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from explorer import analysis
from explorer.definitions import load_definitions
from explorer.load import load
from explorer.report import charts, export
from explorer.sandbox import SqlRefused, run_select
from explorer.selection import Selection
from explorer.store.reader import Store

from .conftest import REPO

MAIN = str(REPO / "explorer" / "app" / "main.py")


def open_page(page: str, **params) -> AppTest:
    """Run one page under AppTest with these URL parameters, on the database in EXPLORER_DB."""
    at = AppTest.from_file(MAIN, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("EXPLORER_DB", str(demo_db))
    return open_page


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_overview(app, demo_db):
    at = app("overview")
    assert any("Synthetic demo data" in w.value for w in at.warning)
    assert metric(at, "Quarters loaded") == "88"
    store = Store.open(demo_db)
    n = store.con.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert metric(at, "Current cases") == f"{n:,}"


def test_explore_kpis_equal_the_query_layer(app, demo_db):
    at = app("explore", exposure="esi", event_group="spinal_cord_ischaemia")
    defs = load_definitions()
    store = Store.open(demo_db)
    c = analysis.count(store, Selection(exposure=defs.exposure("esi"), event=defs.event("spinal_cord_ischaemia")))
    assert metric(at, "Cases") == f"{c['n_cases']:,}" and metric(at, "Deaths") == f"{c['n_deaths']:,}"
    assert len(at.get("plotly_chart")) >= 4  # by year, outcomes, PTs, demographics (four panels)
    assert at.query_params["event_group"] == "spinal_cord_ischaemia"


def test_explore_filters_change_the_counts_and_the_url(app):
    at = app("explore", exposure="esi", event_group="paralysis")
    before = metric(at, "Cases")
    at.sidebar.checkbox(key="w:serious").check().run()
    assert not at.exception and at.query_params["serious"] == "1"
    assert int(metric(at, "Cases").replace(",", "")) <= int(before.replace(",", ""))


def test_empty_selection_is_explained(app):
    at = app("explore", exposure="esi", pts="Spinal artery embolism")
    assert any("No current case matches" in i.value for i in at.info)


def test_signals_page(app):
    at = app("signals", exposure="esi", event_group="spinal_cord_ischaemia")
    assert at.table and at.dataframe
    assert any("hypothesis-generating" in c.value for c in at.caption)


def test_cases_page_opens_a_case(app):
    at = app("cases", exposure="esi", event_group="paralysis", case="")
    assert at.dataframe
    listing = at.dataframe[0].value
    first = listing["caseid"].iloc[0]
    at2 = app("cases", exposure="esi", event_group="paralysis", case=first)
    assert any(f"Case {first}" in h.value for h in at2.subheader)


def test_onset_page(app):
    at = app("onset", exposure="esi", event_group="paralysis")
    assert metric(at, "Cases with an onset") and at.get("plotly_chart")


def test_sql_page(app):
    at = app("sql")
    at.button(key="run").click().run()
    assert not at.exception and at.dataframe
    at.text_area(key="sql").set_value("DROP TABLE cases").run()
    at.button(key="run").click().run()
    assert any("only SELECT" in e.value for e in at.error)


def png_inches(png: bytes) -> tuple[float, float]:
    width, height = struct.unpack(">II", png[16:24])
    i = png.find(b"pHYs")
    assert struct.unpack(">IIB", png[i + 4:i + 13]) == (11811, 11811, 1)  # 300 dpi
    return width / 300, height / 300


@pytest.mark.parametrize("width_in", [3.5, 7.0])
def test_chart_exports_are_journal_sized_with_the_caption_on_the_canvas(width_in):
    frame = pd.DataFrame({"year": [2019, 2020], "quarter": [1, 1], "n_serious": [3, 4], "n_non_serious": [1, 2],
                          "n_cases": [4, 6]})
    cap = charts.caption("synthetic demo data — not FDA data", "2004q1–2025q4", "esi; event spinal cord",
                         synthetic=True)
    fig = charts.cases_by_year(frame, cap, synthetic=True)
    png = export.figure_bytes(fig, "png", width_in)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_inches(png)[0] == pytest.approx(width_in, abs=0.01)
    svg = export.figure_bytes(fig, "svg", width_in).decode()
    assert svg.lstrip().startswith("<svg") and "<image" not in svg  # vector
    text = " ".join(__import__("re").findall(r">([^<>]+)</", svg))
    assert "Synthetic demo data — not FDA data" in text  # the label, on the canvas
    assert "Source: synthetic demo data" in text and "Produced" in text  # the caption, on the canvas
    # fonts: at 96 px to the inch, no text is smaller than 7 pt at print size
    sizes = [float(x) for x in __import__("re").findall(r"font-size: ?([\d.]+)px", svg)]
    assert sizes and min(sizes) * 0.75 >= 7, sorted(set(sizes))
    pdf = export.figure_bytes(fig, "pdf", width_in)
    assert pdf.startswith(b"%PDF")


def test_long_labels_grow_the_margin_instead_of_being_clipped():
    frame = pd.DataFrame({"pt": ["Acute myocardial infarction", "Anterior spinal artery syndrome", "Nausea"],
                          "n_cases": [5, 3, 2]})
    fig = charts.bars(frame, "pt", "n_cases", "Source: test.", False, "Preferred terms", horizontal=True)
    printed, width, _ = charts.for_print(fig, 3.5)
    labels = [y.replace("<br>", " ") for y in printed.data[0].y]
    assert "Anterior spinal artery syndrome" in labels  # whole, perhaps wrapped, never cut
    longest = max(len(part) for y in printed.data[0].y for part in y.split("<br>"))
    assert printed.layout.margin.l >= longest * charts.PRINT_FONT_PX * 0.5


@pytest.mark.parametrize("horizontal", [False, True])
def test_small_counts_get_whole_number_ticks(horizontal):
    frame = pd.DataFrame({"pt": ["Paraplegia", "Nausea"], "n_cases": pd.array([3, 1], dtype="int64")})
    fig = charts.bars(frame, "pt", "n_cases", "Source: test.", False, "Preferred terms", horizontal=horizontal)
    counts = fig.layout.xaxis if horizontal else fig.layout.yaxis
    assert (counts.dtick, counts.tick0) == (1, 0)
    many = charts.bars(frame.assign(n_cases=[300, 100]), "pt", "n_cases", "Source: test.", False, "PTs",
                       horizontal=horizontal)
    assert (many.layout.xaxis if horizontal else many.layout.yaxis).dtick is None


def test_table_exports_carry_the_caption():
    frame = pd.DataFrame({"year": [2019], "n_cases": [4]})
    csv = export.csv_bytes(frame, "Source: test.", synthetic=True).decode()
    assert csv.splitlines()[:3] == ["# synthetic demo data — not FDA data", "# Source: test.", "year,n_cases"]
    xlsx = export.xlsx_bytes(frame, "Source: test.", synthetic=True)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:
        assert "xl/workbook.xml" in zf.namelist()
    notes = pd.read_excel(io.BytesIO(xlsx), sheet_name="notes")
    assert notes.iloc[0, 0] == "SYNTHETIC DEMO DATA — NOT FDA DATA"
    assert pd.read_excel(io.BytesIO(xlsx), sheet_name="data")["n_cases"].tolist() == [4]


@pytest.mark.parametrize(
    ("sql", "message"),
    [("DELETE FROM cases", "only SELECT"), ("SELECT 1; SELECT 2", "exactly one"),
     ("ATTACH '/tmp/x.duckdb'", "only SELECT"), ("SELECT * FROM read_csv('/etc/passwd')", "disabled"),
     ("INSTALL httpfs", "only SELECT"), ("COPY cases TO '/tmp/x.csv'", "only SELECT"),
     ("SET enable_external_access = true", "only SELECT"), ("SELEC 1", "does not parse"),
     ("SELECT count(*) FROM range(100000000000)", "time limit")],
)
def test_sql_sandbox_refuses(demo_db, sql, message):
    with pytest.raises(SqlRefused, match=message):
        run_select(demo_db, sql, seconds=1.5)


def test_sql_sandbox_limits_rows(demo_db):
    frame, more = run_select(demo_db, "SELECT * FROM cases", limit=7)
    assert len(frame) == 7 and more


def test_claim_check_page(app):
    at = app("claims")
    assert not at.exception
    frames = [df.value for df in at.dataframe if "verdict" in df.value.columns]
    verdicts = [v for df in frames for v in df["verdict"]]
    assert "Supported" in verdicts and "Not assessable" in verdicts, verdicts
    assert any("<mark class='evt'>" in m.value and "<mark class='exp'>" in m.value for m in at.markdown)
    # the user corrects claim 1's type before the verdict: a frequency claim is not assessable
    rows = pd.concat(frames)
    first = rows[rows["verdict"] == "Supported"].iloc[0]
    next(sb for sb in at.selectbox if sb.label == "Claim").set_value(int(first["claim"]) - 1)
    next(sb for sb in at.selectbox if sb.label == "Claim type").set_value("frequency")
    next(b for b in at.button if b.label == "Apply the correction").click().run()
    assert not at.exception
    rows = pd.concat([df.value for df in at.dataframe if "verdict" in df.value.columns])
    fixed = rows[rows["claim"] == first["claim"]].iloc[0]
    assert fixed["type"] == "frequency" and fixed["verdict"] == "Not assessable" and fixed["corrected"] == "yes"
    at.text_area(key="claim").set_value("The weather was lovely.").run()
    assert not at.exception
    assert any("No claim about an exposure and an event" in c.value for c in at.caption)


def test_the_app_reconnects_when_a_load_swaps_the_database(tmp_path, monkeypatch):
    from .helpers import report, write_quarter

    db = tmp_path / "swap.duckdb"
    load([write_quarter(tmp_path / "a", "2020q1", {"demo": [report("11", "1", "1")]})], db)
    monkeypatch.setenv("EXPLORER_DB", str(db))
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.switch_page("views/overview.py")
    at.run()
    assert metric(at, "Current cases") == "1"
    # a load replaces the file while the session holds its connection (build in a new file, then rename)
    load([write_quarter(tmp_path / "b", "2020q2", {"demo": [report("21", "2", "1"), report("31", "3", "1")]})], db)
    at.run()
    assert not at.exception and metric(at, "Current cases") == "3"


def test_probable_duplicates_are_shown_and_can_be_excluded(tmp_path, monkeypatch):
    from .helpers import duplicates_fixture, write_quarter

    db = tmp_path / "dups.duckdb"
    load([write_quarter(tmp_path, "2020q1", duplicates_fixture())], db)
    monkeypatch.setenv("EXPLORER_DB", str(db))
    at = open_page("explore", exposure_mode="none", pts="Paraplegia")
    assert metric(at, "Cases") == "7"
    assert any("2 of these cases are flagged as probable duplicates" in c.value for c in at.caption)
    at.sidebar.checkbox(key="w:dups").check().run()
    assert not at.exception and metric(at, "Cases") == "5" and at.query_params["dups"] == "1"
    assert not any("flagged as probable duplicates" in c.value for c in at.caption)

    at = open_page("cases", exposure_mode="none", pts="Paraplegia", case="6")
    listing = at.dataframe[0].value
    assert dict(zip(listing["caseid"], listing["probable_duplicate_of"], strict=True))[6] == 1
    assert any("Probable duplicates" in m.value for m in at.markdown)
    group = next(d.value for d in at.dataframe if "first_received" in d.value.columns)
    assert group["caseid"].tolist() == [1, 2, 6] and group["this_case"].tolist() == [False, False, True]


def test_the_demo_flags_exactly_its_planted_probable_duplicates(demo_db):
    import json

    import duckdb

    truth = json.loads((REPO / "data" / "demo" / "truth.json").read_text())
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        flagged = dict(con.execute("SELECT caseid, duplicate_of FROM probable_duplicates").fetchall())
    finally:
        con.close()
    assert flagged == {twin: first for twin, first in truth["probable_duplicates"]["pairs"]} and flagged

"""Rows a connection keeps across filter changes give the answers of a fresh computation, on the demo database.

A bind keeps the case rows of the exposure's, event's and comparator's cases (``_cases_any``) and filters them at each
filter change; a screening keeps the exposure's PT rows (``_exposed_pts``) and the events' case rows (``_set_cases``);
time to onset keeps the exposure's therapy dates (``_exposure_therapies``). Each test walks one long-lived connection
through a sequence of filters and exposures and compares it with a connection that starts from nothing, or with the
case-by-case query the kept rows replace; the guards refuse kept rows of another exposure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from explorer import analysis
from explorer.definitions import single_pt
from explorer.selection import Filters, Selection
from explorer.store.reader import Store

FILTERS = (Filters(), Filters(serious_only=True), Filters(sexes=("F",), age_bands=("18-44", "45-64")),
           Filters(report_types=("EXP",)), Filters(outcome_codes=("HO", "DE")), Filters(exclude_outbreak=True),
           Filters(exclude_probable_duplicates=True, received_from=date(2012, 1, 1)), Filters(countries=("US",)),
           Filters(serious_only=True, event_from=date(2010, 1, 1), event_to=date(2020, 12, 31)))
EXPOSURES = ("esi", "esi_other_routes")

# the case-by-case time to onset that _exposure_therapies replaces (every therapy row of the selected cases)
ONSET_CASE_BY_CASE = """
SELECT s.caseid, min(date_diff('day', t.start_date, s.event_date)) AS onset_days
FROM selected_cases() s
JOIN exposure_rows() d ON d.caseid = s.caseid
JOIN therapies t ON t.caseid = d.caseid AND t.dsg_drug_seq = d.drug_seq
WHERE s.event_date_precision = 'day' AND t.start_date_precision = 'day' AND s.event_date >= t.start_date
GROUP BY s.caseid ORDER BY s.caseid"""


@pytest.fixture(scope="module")
def kept(demo_db):
    s = Store.open(demo_db)
    yield s
    s.close()


def _fresh(demo_db, fn):
    s = Store.open(demo_db)
    try:
        return fn(s)
    finally:
        s.close()


def _sequence():
    """Exposure and filter changes in the order a user makes them: each filter with each exposure, and back."""
    for exposure in (*EXPOSURES, EXPOSURES[0]):
        for filters in FILTERS:
            yield exposure, filters


def test_screening_on_a_connection_kept_across_changes_equals_a_fresh_one(kept, demo_db):
    d = kept.definitions
    checked = 0
    for exposure, filters in _sequence():
        sel = Selection(exposure=d.exposure(exposure), filters=filters)
        got = analysis.screen_events(kept, sel)
        want = _fresh(demo_db, lambda s, sel=sel: analysis.screen_events(s, sel))
        pd.testing.assert_frame_equal(got, want)
        checked += len(got)
    assert checked > 1000


def test_screening_cells_equal_one_bind_per_pt(kept):
    d = kept.definitions
    for exposure, filters in list(_sequence())[::3]:
        sel = Selection(exposure=d.exposure(exposure), filters=filters)
        table = analysis.screen_events(kept, sel)
        rows = table[~table["pt_key"].str.startswith("group:")]
        for row in pd.concat([rows.head(3), rows.tail(2)]).itertuples():
            one = analysis.signal(kept, replace(sel, event=single_pt(row.pt)))
            assert (row.a, row.b, row.c, row.d) == tuple(one[k] for k in "abcd"), (exposure, filters, row.pt)


def test_time_to_onset_from_the_kept_therapy_dates_equals_the_case_by_case_query(kept):
    d = kept.definitions
    n = 0
    for exposure, filters in _sequence():
        for event in ("paralysis", "spinal_cord_ischaemia"):
            sel = Selection(exposure=d.exposure(exposure), event=d.event(event), filters=filters)
            got = analysis.time_to_onset(kept, sel)["days"]
            want = kept.con.execute(ONSET_CASE_BY_CASE).df()  # the same bind
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
            n += len(got)
    assert n > 100


def test_kept_rows_of_another_exposure_are_refused(demo_db):
    s = Store.open(demo_db)
    try:
        d = s.definitions
        sel = Selection(exposure=d.exposure("esi"), event=d.event("paralysis"))
        analysis.bind(s.con, sel, d)
        with pytest.raises(Exception, match="ensure_exposure_therapies"):
            s.run("onset_days")  # a connection that never kept them
        assert len(analysis.time_to_onset(s, sel)["days"]) > 0
        analysis.bind(s.con, replace(sel, exposure=d.exposure("esi_other_routes")), d)
        with pytest.raises(Exception, match="ensure_exposure_therapies"):
            s.run("onset_days")  # kept for esi, read for another exposure
        with pytest.raises(Exception, match="ensure_exposure_therapies"):
            s.run("onset_days_other_events")
    finally:
        s.close()

"""Deduplication and normalization rules, one hand-made fixture per rule."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from explorer.load import load
from explorer.store.reader import Store

from .helpers import duplicates_fixture, expected_duplicates, report, write_quarter


def build(tmp_path, quarters):
    """quarters: list of (quarter, rows, deleted) -> an open read-only connection to the loaded store."""
    paths = [write_quarter(tmp_path / "src", q, rows, deleted=deleted) for q, rows, deleted in quarters]
    db = tmp_path / "t.duckdb"
    load(paths, db)
    return duckdb.connect(str(db), read_only=True)


def one(con, sql, **params):
    return con.execute(sql, params).fetchall()


def test_latest_caseversion_across_quarters_wins(tmp_path):
    def reac(pid, pt):
        return [{"primaryid": pid, "caseid": "1", "pt": pt}]
    con = build(tmp_path, [
        ("2020q1", {"demo": [report("11", "1", "1", "20200105")], "reac": reac("11", "Nausea")}, None),
        ("2020q2", {"demo": [report("12", "1", "2", "20200405")], "reac": reac("12", "Rash")}, None),
    ])
    assert one(con, "SELECT caseid, primaryid, caseversion FROM cases") == [(1, "12", 2)]
    assert one(con, "SELECT pt FROM reactions") == [("Rash",)]  # the earlier version's reactions are gone
    flow = dict(one(con, "SELECT step, n FROM dedup_flow"))
    assert (flow["demo_rows"], flow["reports"], flow["cases"], flow["current_cases"]) == (2, 2, 1, 1)


def test_ties_on_caseversion_go_to_latest_fda_dt_then_highest_primaryid(tmp_path):
    con = build(tmp_path, [
        ("2020q1", {"demo": [report("31", "3", "3", "20200301"), report("41", "4", "1", "20200101")]}, None),
        ("2020q2", {"demo": [report("32", "3", "3", "20200201"), report("42", "4", "1", "20200101"),
                              report("43", "4", "1", "20200101")]}, None),
    ])
    assert dict(one(con, "SELECT caseid, primaryid FROM cases")) == {3: "31", 4: "43"}


def test_deleted_cases_are_dropped_with_all_their_versions(tmp_path):
    con = build(tmp_path, [
        ("2019q1", {"demo": [report("51", "5", "1"), report("61", "6", "1")]}, None),
        ("2019q2", {"demo": [report("52", "5", "2")]}, ["5"]),
    ])
    assert one(con, "SELECT caseid FROM cases") == [(6,)]
    flow = dict(one(con, "SELECT step, n FROM dedup_flow"))
    assert (flow["cases"], flow["deleted_cases"], flow["current_cases"]) == (2, 1, 1)


def test_laers_and_faers_versions_of_one_case_are_linked(tmp_path):
    laers = {"demo": [report("5000001", "700", fda_dt="20110101"), report("5000002", "800", fda_dt="20120301")],
             "drug": [{"primaryid": "5000001", "drug_seq": "1000000001", "role_cod": "PS", "drugname": "DEPO-MEDROL",
                       "route": "EPIDURAL"}],
             "reac": [{"primaryid": "5000001", "pt": "PARAPLEGIA"}]}
    later_laers = {"demo": [report("5000009", "800", fda_dt="20120801")]}
    faers = {"demo": [report("7001", "700", "1", "20121201")],
             "reac": [{"primaryid": "7001", "caseid": "700", "pt": "Paraplegia"},
                      {"primaryid": "7001", "caseid": "700", "pt": "Spinal cord infarction"}]}
    con = build(tmp_path, [("2012q2", laers, None), ("2012q3", later_laers, None), ("2012q4", faers, None)])
    assert dict(one(con, "SELECT caseid, primaryid FROM cases")) == {700: "7001", 800: "5000009"}
    assert one(con, "SELECT count(*) FROM case_versions WHERE caseid = 700") == [(2,)]
    assert sorted(one(con, "SELECT pt_name FROM reactions")) == [("Paraplegia",), ("Spinal cord infarction",)]


def test_legacy_only_cases_and_their_child_rows(tmp_path):
    laers = {"demo": [report("5000001", "700", fda_dt="20110101")],
             "drug": [{"primaryid": "5000001", "drug_seq": "1000000001", "role_cod": "PS", "drugname": "DEPO-MEDROL",
                       "route": "EPIDURAL"}],
             "reac": [{"primaryid": "5000001", "pt": "PARAPLEGIA"}]}
    con = build(tmp_path, [("2011q1", laers, None)])
    assert one(con, "SELECT caseid, route_canonical, ingredients FROM drugs") == [
        (700, "Epidural", ["methylprednisolone"])]
    assert one(con, "SELECT caseid, pt, pt_key, pt_name FROM reactions") == [
        (700, "PARAPLEGIA", "paraplegia", "Paraplegia")]


def test_exact_duplicate_rows_collapse_and_a_report_shipped_twice_counts_once(tmp_path):
    reac = {"primaryid": "11", "caseid": "1", "pt": "Nausea"}
    drug = {"primaryid": "11", "caseid": "1", "drug_seq": "1", "role_cod": "PS", "drugname": "ASPIRIN"}
    con = build(tmp_path, [
        ("2020q1", {"demo": [report("11", "1", "1")], "reac": [reac, reac], "drug": [drug, drug]}, None),
        ("2020q2", {"demo": [report("11", "1", "1")], "reac": [reac]}, None),
    ])
    assert one(con, "SELECT count(*) FROM cases") == [(1,)]
    assert one(con, "SELECT count(*) FROM reactions") == [(1,)]
    flow = dict(one(con, "SELECT step, n FROM dedup_flow"))
    assert (flow["demo_rows"], flow["reports"]) == (2, 1)


@pytest.mark.parametrize(
    ("age", "age_cod", "years"),
    [("45", "YR", 45.0), ("4", "DEC", 40.0), ("18", "MON", 1.5), ("730", "DY", 2.0), ("52", "WK", 1.0),
     ("200", "YR", None), ("45", "", None), ("x", "YR", None)],
)
def test_age_in_years(tmp_path, age, age_cod, years):
    con = build(tmp_path, [("2020q1", {"demo": [report("11", "1", "1", age=age, age_cod=age_cod)]}, None)])
    assert one(con, "SELECT age_years FROM cases") == [(years,)]


def test_weight_sex_and_dates(tmp_path):
    con = build(tmp_path, [("2020q1", {"demo": [
        report("11", "1", "1", wt="154", wt_cod="LBS", sex="F", event_dt="201903"),
        report("21", "2", "1", wt="70", wt_cod="KG", sex="UNK", event_dt="2019"),
        report("31", "3", "1", wt="3500", wt_cod="GMS", sex="M", event_dt="20190230"),
        report("41", "4", "1", sex="", event_dt="20190704"),
    ]}, None)])
    rows = one(con, "SELECT caseid, weight_kg, sex, event_date::VARCHAR, event_date_precision FROM cases ORDER BY 1")
    assert rows == [(1, 69.85, "F", "2019-03-01", "month"), (2, 70.0, None, "2019-01-01", "year"),
                    (3, 3.5, "M", None, None), (4, None, None, "2019-07-04", "day")]


def test_routes_and_ingredients_are_normalized(tmp_path):
    def d(seq, name, route, prod_ai=""):
        return {"primaryid": "11", "caseid": "1", "drug_seq": seq, "role_cod": "PS", "drugname": name,
                "route": route, "prod_ai": prod_ai}
    con = build(tmp_path, [("2020q1", {"demo": [report("11", "1", "1")], "drug": [
        d("1", "DEPO-MEDROL", "Epidural", "METHYLPREDNISOLONE ACETATE"),
        d("2", "CELESTONE SOLUSPAN", "epidural ", "BETAMETHASONE SODIUM PHOSPHATE\\BETAMETHASONE ACETATE"),
        d("3", "KENALOG-40", "EPIDURAL"),
        d("4", "LIDOCAINE.", "Epidural use"),
        d("5", "SOLU?MEDROL", "Intravenous use"),
        d("6", "MYSTERY TONIC", "Intravenous (not otherwise specified)"),
    ]}, None)])
    rows = one(con, "SELECT drug_seq, route_canonical, ingredients, ingredient_source FROM drugs ORDER BY drug_seq")
    assert rows == [
        ("1", "Epidural", ["methylprednisolone"], "prod_ai"),
        ("2", "Epidural", ["betamethasone"], "prod_ai"),
        ("3", "Epidural", ["triamcinolone"], "drugname"),
        ("4", "Epidural", ["lidocaine"], "drugname"),
        ("5", "Intravenous (not otherwise specified)", ["methylprednisolone"], "drugname"),
        ("6", "Intravenous (not otherwise specified)", [], None),
    ]
    assert one(con, "SELECT count(*) FROM drug_ingredients") == [(5,)]


def test_serious_and_death_flags_come_from_outcomes(tmp_path):
    con = build(tmp_path, [("2020q1", {"demo": [report("11", "1", "1"), report("21", "2", "1")],
                                       "outc": [{"primaryid": "11", "caseid": "1", "outc_cod": "DE"},
                                                {"primaryid": "11", "caseid": "1", "outc_cod": "HO"}]}, None)])
    assert one(con, "SELECT caseid, is_serious, is_death FROM cases ORDER BY 1") == [(1, True, True),
                                                                                   (2, False, False)]


def test_legacy_country_names_are_read_as_the_codes_faers_writes(tmp_path):
    laers = {"demo": [report("5000001", "1", fda_dt="20110101", reporter_country="UNITED STATES"),
                      report("5000002", "2", fda_dt="20110101", reporter_country="Korea, Republic of"),
                      report("5000003", "3", fda_dt="20110101", reporter_country="ATLANTIS"),
                      report("5000004", "4", fda_dt="20110101", reporter_country="COUNTRY NOT SPECIFIED")]}
    faers = {"demo": [report("51", "5", "1", "20200101", reporter_country="US")]}
    con = build(tmp_path, [("2011q1", laers, None), ("2020q1", faers, None)])
    rows = one(con, "SELECT caseid, reporter_country, country FROM cases ORDER BY caseid")
    assert rows == [(1, "UNITED STATES", "US"), (2, "Korea, Republic of", "KR"), (3, "ATLANTIS", "ATLANTIS"),
                    (4, "COUNTRY NOT SPECIFIED", None), (5, "US", "US")]


def test_probable_duplicates_are_flagged_never_removed(tmp_path):
    rows = duplicates_fixture()
    con = build(tmp_path, [("2020q1", rows, None)])
    assert one(con, "SELECT count(*) FROM cases") == [(7,)]  # flagged, not removed
    assert one(con, "SELECT caseid, duplicate_of, group_size FROM probable_duplicates ORDER BY caseid") == [
        (2, 1, 3), (6, 1, 3)]  # the first received of the group is kept unflagged
    flow = dict(one(con, "SELECT step, n FROM dedup_flow"))
    assert (flow["current_cases"], flow["probable_duplicates"]) == (7, 2)
    con.close()

    from dataclasses import replace

    from explorer import analysis
    from explorer.definitions import single_pt
    from explorer.selection import Filters, Selection

    store = Store.open(tmp_path / "t.duckdb")
    try:
        sel = Selection(event=single_pt("Paraplegia"))
        kept = analysis.count(store, sel)
        assert (kept["n_cases"], kept["n_probable_duplicates"]) == (7, 2)
        dropped = analysis.count(store, replace(sel, filters=Filters(exclude_probable_duplicates=True)))
        assert (dropped["n_cases"], dropped["n_probable_duplicates"]) == (5, 0)
        frame, total = analysis.listing(store, sel, "caseid", descending=False)
        assert total == 7
        flagged = {int(c): int(d) for c, d in zip(frame["caseid"], frame["probable_duplicate_of"], strict=True)
                   if pd.notna(d)}
        assert flagged == {2: 1, 6: 1}
        for caseid in (1, 2, 6):
            group = analysis.case(store, caseid)["duplicates"]
            assert group["caseid"].tolist() == [1, 2, 6]
            assert group["first_received"].tolist() == [True, False, False]
            assert group.loc[group["this_case"], "caseid"].tolist() == [caseid]
            first = analysis.case(store, caseid)["report"]["probable_duplicate_of"].iloc[0]
            assert (pd.isna(first) if caseid == 1 else first == 1)
        assert analysis.case(store, 3)["duplicates"].empty
    finally:
        store.close()


def test_probable_duplicates_on_real_bytes(tmp_path, samples):
    """A real 2020Q3 report sent again by a second source in the next quarter is flagged, and only it."""
    db = tmp_path / "t.duckdb"
    load([samples / "2020q3-excerpt"], db)
    con = duckdb.connect(str(db), read_only=True)
    assert dict(one(con, "SELECT caseid, duplicate_of FROM probable_duplicates")) == expected_duplicates(con)
    caseid, pid = one(con, """
        SELECT caseid, primaryid FROM cases
        WHERE event_date_precision = 'day' AND age_years IS NOT NULL AND sex IS NOT NULL AND country IS NOT NULL
          AND caseid IN (SELECT caseid FROM drugs) AND caseid IN (SELECT caseid FROM reactions)
        ORDER BY caseid LIMIT 1""")[0]
    copy = {}
    for table in ("demo", "drug", "reac"):
        frame = con.execute(f"SELECT * EXCLUDE (quarter, source_file) FROM raw_{table} WHERE primaryid = $p",
                            {"p": pid}).df()
        copy[table] = [{k: ("" if v is None or v != v else str(v)) for k, v in r.items()}
                       for r in frame.to_dict(orient="records")]
    con.close()
    assert copy["demo"] and copy["drug"] and copy["reac"]
    for table_rows in copy.values():
        for r in table_rows:
            r.update(primaryid="9999999911", caseid="999999991")
    copy["demo"][0].update(caseversion="1", init_fda_dt="20201015", fda_dt="20201015")
    load([write_quarter(tmp_path / "src", "2020q4", copy)], db)
    con = duckdb.connect(str(db), read_only=True)
    flagged = dict(one(con, "SELECT caseid, duplicate_of FROM probable_duplicates"))
    assert flagged[999999991] == caseid
    assert flagged == expected_duplicates(con)
    assert dict(one(con, "SELECT step, n FROM dedup_flow"))["probable_duplicates"] == len(flagged)

"""Disproportionality that holds up to review: stratified, over time, unmasked, multiplicity, onset compared.

Every data set here is synthetic and hand-made (FAERS-format quarters written by tests/helpers.py), loaded through
the real loader and queried through the service layer.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from explorer import analysis, onset, stats
from explorer.definitions import ingredient_exposure, single_pt
from explorer.load import load
from explorer.selection import Selection
from explorer.store.reader import Store

from .helpers import report, write_quarter

EXPOSURE, EVENT = "METFORMIN", "Lactic acidosis"


class Cases:
    """Accumulates FAERS rows: one report per case, one drug row each, one reaction each (optionally more)."""

    def __init__(self) -> None:
        self.demo: list[dict] = []
        self.drug: list[dict] = []
        self.reac: list[dict] = []
        self.ther: list[dict] = []
        self.next_id = 1

    def add(self, n: int, drug: str, pt: str, *, age: str = "", sex: str = "", received: str = "20200115",
            extra_drugs: tuple[str, ...] = (), onset_days: int | None = None) -> None:
        for _ in range(n):
            cid = str(self.next_id)
            pid = f"{cid}1"
            self.next_id += 1
            self.demo.append(report(pid, cid, "1", received, init_fda_dt=received, age=age,
                                    age_cod="YR" if age else "", sex=sex, reporter_country="US",
                                    event_dt="20200110" if onset_days is not None else ""))
            for seq, name in enumerate((drug, *extra_drugs), start=1):
                self.drug.append({"primaryid": pid, "caseid": cid, "drug_seq": str(seq), "role_cod": "PS",
                                  "drugname": name, "prod_ai": name, "route": "ORAL"})
            self.reac.append({"primaryid": pid, "caseid": cid, "pt": pt})
            if onset_days is not None:
                start = (pd.Timestamp("2020-01-10") - pd.Timedelta(days=onset_days)).strftime("%Y%m%d")
                self.ther.append({"primaryid": pid, "caseid": cid, "dsg_drug_seq": "1", "start_dt": start})

    def rows(self) -> dict:
        return {"demo": self.demo, "drug": self.drug, "reac": self.reac, "ther": self.ther}


# ---- a Simpson's paradox: no association in any age band, a strong one crude --------------------------------------

# (age, exposed with event, exposed without, reference with event, reference without): ROR = 1 in every band
SIMPSON = [("80", 100, 100, 100, 100), ("30", 1, 19, 100, 1900), ("", 2, 8, 8, 32)]


@pytest.fixture(scope="module")
def simpson(tmp_path_factory):
    work = tmp_path_factory.mktemp("simpson")
    cases = Cases()
    for age, ea, eb, rc, rd in SIMPSON:
        # sexes and years vary inside each band, so that stratifying by all three keys is not the same as by age
        for k, (n, drug, pt) in enumerate(((ea, EXPOSURE, EVENT), (eb, EXPOSURE, "Nausea"),
                                           (rc, "ATORVASTATIN", EVENT), (rd, "ATORVASTATIN", "Nausea"))):
            for j in range(n):
                sex = ("F", "M", "")[(j + k) % 3]
                received = ("20190315", "20200115")[(j * 7 + k) % 2]
                cases.add(1, drug, pt, age=age, sex=sex, received=received)
    z = write_quarter(work, "2020q1", cases.rows())
    load([z], work / "s.duckdb")
    store = Store.open(work / "s.duckdb")
    yield store
    store.close()


def _selection() -> Selection:
    return Selection(exposure=ingredient_exposure("metformin"), event=single_pt(EVENT))


def test_simpsons_paradox_crude_signal_vanishes_when_stratified(simpson):
    r = analysis.signal(simpson, _selection(), stratify=("age_band",))
    assert (r["a"], r["b"], r["c"], r["d"]) == (103, 127, 208, 2032)
    assert r["prr"] >= 3
    assert r["eb05"] >= 2  # crude: a signal by EB05
    assert r["expected_stratified"] == pytest.approx(100 + 1 + 2, abs=1e-9)  # 200*200/400 + 20*101/2020 + 10*10/50
    assert r["eb05_stratified"] < 2  # stratified: none
    assert r["ror_mh"] == pytest.approx(1.0, abs=1e-12)
    assert r["ror_mh_lower"] < 1 < r["ror_mh_upper"]
    assert r["prior_source"] == analysis.PRIOR_WHOLE_DB
    crude = analysis.signal(simpson, _selection())  # the unstratified path counts the same cells
    assert (crude["a"], crude["b"], crude["c"], crude["d"]) == (r["a"], r["b"], r["c"], r["d"])
    assert crude["eb05"] == pytest.approx(r["eb05"], rel=1e-12)


def _cases_frame(store) -> pd.DataFrame:
    """Each current case with its stratum keys and whether it is exposed / has the event, read with pandas from the
    model's tables (independently of the stratification SQL)."""
    cases = store.con.execute("SELECT caseid, age_years, sex, received_year FROM cases").df()
    drugs = store.con.execute("SELECT caseid, ingredients, role_cod FROM drugs").df()
    reac = store.con.execute("SELECT caseid, pt_key FROM reactions").df()
    exposed = set(drugs[drugs["ingredients"].apply(lambda x: "metformin" in list(x))
                        & drugs["role_cod"].isin(["PS", "SS"])]["caseid"])
    event = set(reac[reac["pt_key"] == EVENT.lower()]["caseid"])
    bands = {"0-17": (0, 18), "18-44": (18, 45), "45-64": (45, 65), "65-74": (65, 75), "75+": (75, 200)}

    def band(age):
        if age is None or (isinstance(age, float) and math.isnan(age)):
            return "unknown"
        return next(name for name, (lo, hi) in bands.items() if lo <= age < hi)

    cases["age_band"] = cases["age_years"].map(band)
    cases["sex"] = cases["sex"].fillna("unknown")
    cases["year"] = cases["received_year"].map(lambda y: "unknown" if pd.isna(y) else str(int(y)))
    cases["x"] = cases["caseid"].isin(exposed)
    cases["v"] = cases["caseid"].isin(event)
    return cases


def test_stratified_expected_and_mh_ror_by_hand(simpson):
    keys = ["age_band", "sex", "year"]
    cases = _cases_frame(simpson)
    strata = cases.groupby(keys).apply(lambda g: pd.Series({
        "a": (g.x & g.v).sum(), "b": (g.x & ~g.v).sum(), "c": (~g.x & g.v).sum(), "d": (~g.x & ~g.v).sum()}),
        include_groups=False)
    n = strata.sum(axis=1)
    expected = float(((strata.a + strata.b) * (strata.a + strata.c) / n).sum())
    r_sum = float((strata.a * strata.d / n).sum())
    s_sum = float((strata.b * strata.c / n).sum())
    p_, q_ = (strata.a + strata.d) / n, (strata.b + strata.c) / n
    r_, s_ = strata.a * strata.d / n, strata.b * strata.c / n
    var = ((p_ * r_).sum() / (2 * r_sum ** 2) + (p_ * s_ + q_ * r_).sum() / (2 * r_sum * s_sum)
           + (q_ * s_).sum() / (2 * s_sum ** 2))
    res = analysis.signal(simpson, _selection(), stratify=("year", "sex", "age_band"))  # any order
    assert res["strata"] == ["age_band", "sex", "year"]
    assert res["expected_stratified"] == pytest.approx(expected, rel=1e-12)
    assert res["ror_mh"] == pytest.approx(r_sum / s_sum, rel=1e-9)
    assert res["ror_mh_lower"] == pytest.approx(r_sum / s_sum * math.exp(-stats.Z95 * math.sqrt(var)), rel=1e-9)
    assert res["ror_mh_upper"] == pytest.approx(r_sum / s_sum * math.exp(stats.Z95 * math.sqrt(var)), rel=1e-9)
    assert res["n_strata"] == len(strata)
    eb = stats.ebgm(np.array([103.0]), np.array([expected]), simpson.prior_stratified())
    assert res["ebgm_stratified"] == pytest.approx(eb["ebgm"][0], rel=1e-12)
    assert res["prior_source_stratified"] == analysis.PRIOR_WHOLE_DB_STRATIFIED
    # the build's whole-database screening holds the same stratified expected count and EBGM for this pair
    row = simpson.con.execute("SELECT expected_stratified, ebgm_stratified FROM signal_pairs "
                              "WHERE ingredient = 'metformin' AND pt_key = $pt", {"pt": EVENT.lower()}).fetchone()
    assert row[0] == pytest.approx(expected, rel=1e-12) and row[1] == pytest.approx(eb["ebgm"][0], rel=1e-12)


def test_missing_values_form_their_own_stratum(simpson):
    bind_sel = _selection()
    analysis.signal(simpson, bind_sel)
    strata = analysis._strata_cells(simpson, ["age_band", "sex"], "", None)
    assert "unknown" in set(strata["age_band"]) and "unknown" in set(strata["sex"])
    unknown_age = strata[strata["age_band"] == "unknown"][["a", "b", "c", "d"]].sum()
    assert tuple(unknown_age) == (2, 8, 8, 32)


def test_unknown_stratum_key_is_a_one_line_error(simpson):
    with pytest.raises(analysis.query.QueryError, match="cannot stratify by 'age'"):
        analysis.signal(simpson, _selection(), stratify=("age",))


def test_stratified_screening_agrees_with_single_pair_signal(simpson):
    table = analysis.screen_events(simpson, Selection(exposure=ingredient_exposure("metformin")),
                                   stratify=("age_band",))
    row = table[table["pt"] == EVENT].iloc[0]
    one = analysis.signal(simpson, _selection(), stratify=("age_band",))
    for key in ("a", "b", "c", "d", "expected_stratified", "ror_mh", "ror_mh_lower", "ror_mh_upper"):
        assert row[key] == pytest.approx(one[key], rel=1e-12), key
    assert [row["prr_lower"], row["prr_upper"]] == pytest.approx(one["prr_ci"], rel=1e-12)
    assert table.attrs["n_tested"] == len(table)
    assert {"p_chi2", "q_chi2", "p_ic", "q_ic", "prior_source"} <= set(table.columns)


# ---- over time: a fivefold rise in reporting after the Drug Safety Communication ---------------------------------

QUARTER_DAYS = {2013: ("0215", "0515", "0815", "1115"), 2014: ("0215", "0515", "0815", "1115"),
                2015: ("0215", "0515", "0815", "1115")}


@pytest.fixture(scope="module")
def rise(tmp_path_factory):
    """Three years of quarters: each quarter 20 exposed cases without the event, 4 reference cases with it and
    400 without; exposed cases with the event: 2 a quarter until 2014Q1, 10 a quarter from 2014-05-15 on
    (after the 2014-04-23 communication). Also 30 + 10 reference cases with rosiglitazone (with/without the event)
    and one exposed case with rosiglitazone, for unmasking (all 41 without a received date); onsets for the exposed
    cases."""
    work = tmp_path_factory.mktemp("rise")
    cases = Cases()
    for year, days in QUARTER_DAYS.items():
        for q, mmdd in enumerate(days, start=1):
            received = f"{year}{mmdd}"
            after = (year, q) >= (2014, 2)
            cases.add(10 if after else 2, EXPOSURE, EVENT, received=received, onset_days=1)
            cases.add(20, EXPOSURE, "Nausea", received=received, onset_days=30)
            cases.add(4, "ATORVASTATIN", EVENT, received=received)
            cases.add(400, "ATORVASTATIN", "Nausea", received=received)
    # without a received date (FDA dates left blank): outside the over-time series, inside every 2x2
    cases.add(30, "ROSIGLITAZONE", EVENT, received="")
    cases.add(10, "ROSIGLITAZONE", "Nausea", received="")
    cases.add(1, EXPOSURE, "Nausea", received="", extra_drugs=("ROSIGLITAZONE",))
    z = write_quarter(work, "2015q4", cases.rows())
    load([z], work / "r.duckdb")
    store = Store.open(work / "r.duckdb")
    yield store
    store.close()


def test_fivefold_rise_after_the_communication_is_a_step_in_the_cumulative_series(rise):
    series = analysis.over_time(rise, _selection(), "quarter", cumulative=True)
    assert list(series["period"][:2]) == ["2013Q1", "2013Q2"] and series["period"].iloc[-1] == "2015Q4"
    added = series.set_index("period")["a"].diff().fillna(series["a"].iloc[0])
    assert set(added[:"2014Q1"]) == {2} and set(added["2014Q2":]) == {10}  # the step in the cumulative count
    ror = series.set_index("period")["ror"]
    before, after = ror[:"2014Q1"], ror["2014Q2":]
    assert np.allclose(before, before.iloc[0])  # the same every quarter before the communication
    assert (np.diff(after.to_numpy()) > 0).all() and after.iloc[0] > before.iloc[-1] * 1.5  # it rises from 2014Q2
    ic = series.set_index("period")["ic025"]
    assert ic["2015Q4"] > ic["2014Q1"]
    per_quarter = analysis.over_time(rise, _selection(), "quarter")
    assert list(per_quarter["a"]) == [2] * 5 + [10] * 7
    assert series.attrs["n_undated"] == 41
    by_year = analysis.over_time(rise, _selection(), "year")
    assert list(by_year["period"]) == ["2013", "2014", "2015"] and list(by_year["a"]) == [8, 2 + 30, 40]


def test_over_time_rejects_an_unknown_period(rise):
    with pytest.raises(analysis.query.QueryError, match="--over takes quarter or year"):
        analysis.over_time(rise, _selection(), "month")


def test_timeline_ships_the_outbreak_and_the_communication(rise):
    events = analysis.timeline_events(rise)
    assert [str(e.start) for e in events] == ["2012-09-01", "2014-04-23"]
    assert events[0].is_period and not events[1].is_period
    assert "timeline" not in " ".join(rise.definitions.exposures) + " ".join(rise.definitions.events)


# ---- unmasking ------------------------------------------------------------------------------------------------------

def test_unmasking_changes_ror_by_the_analytic_value(rise):
    sel = _selection()
    before = analysis.signal(rise, sel)
    a, b, c, d = before["a"], before["b"], before["c"], before["d"]
    assert (a, b, c, d) == (2 * 5 + 10 * 7, 20 * 12 + 1, 4 * 12 + 30, 400 * 12 + 10)
    bg = analysis.background_exclusion(rise, "rosiglitazone")
    assert bg.ingredients == ("rosiglitazone",)
    after = analysis.signal(rise, sel, exclude=bg)
    assert (after["a"], after["b"]) == (a, b)  # the exposed case with rosiglitazone stays exposed
    assert (after["c"], after["d"]) == (c - 30, d - 10)
    table = analysis.unmasking(rise, sel, bg).set_index("measure")
    analytic = (a * (d - 10) / (b * (c - 30))) / (a * d / (b * c))
    assert table.loc["ror", "change"] == pytest.approx(analytic, rel=1e-12)
    assert table.loc["ror", "change_is"] == "ratio" and table.loc["ic", "change_is"] == "difference"
    assert table.loc["c", "change"] == -30


def test_unmasking_by_an_event_removes_its_reference_cases(rise):
    bg = analysis.background_exclusion(rise, "Nausea")
    assert bg.pts == ("nausea",)
    after = analysis.signal(rise, _selection(), exclude=bg)
    assert (after["c"], after["d"]) == (4 * 12 + 30, 0)


def test_unknown_background_name_is_a_one_line_error(rise):
    with pytest.raises(analysis.query.QueryError, match="nothing to exclude"):
        analysis.background_exclusion(rise, "no such thing")


# ---- time to onset compared -----------------------------------------------------------------------------------------

def test_onset_compared_with_the_drugs_other_events(rise):
    res = analysis.onset_comparison(rise, _selection(), "other-events")
    assert res["n"] == 80 and res["other_n"] == 240  # the exposed case without a therapy start has no onset
    assert set(res["days"]["onset_days"]) == {1} and set(res["other_days"]["onset_days"]) == {30}
    assert res["ks_statistic"] == pytest.approx(1.0) and res["ks_pvalue"] < 1e-10
    assert res["ad_pvalue"] <= 0.001 and res["ad_pvalue_bounded"]
    with pytest.raises(analysis.query.QueryError, match="needs --comparator"):
        analysis.onset_comparison(rise, _selection(), "comparator")


def test_onset_tests_against_scipy_on_arrays():
    from scipy import stats as st

    rng = np.random.default_rng(3)
    x, y = rng.exponential(5, 60).round(), rng.exponential(9, 80).round()
    res = onset.compare(x, y)
    assert res["ks_statistic"] == pytest.approx(st.ks_2samp(x, y).statistic)
    assert res["ks_pvalue"] == pytest.approx(st.ks_2samp(x, y).pvalue)
    same = onset.compare(x, x)
    assert same["ks_statistic"] == 0 and same["ks_pvalue"] == pytest.approx(1.0)
    assert math.isnan(onset.compare([1.0], y)["ks_pvalue"])


# ---- statistics on arrays -------------------------------------------------------------------------------------------

def test_mantel_haenszel_against_statsmodels():
    sm = pytest.importorskip("statsmodels.stats.contingency_tables")
    rng = np.random.default_rng(8)
    tables = rng.integers(1, 60, size=(7, 4)).astype(float)
    out = stats.stratified(*tables.T)
    ref = sm.StratifiedTable([np.array([[t[0], t[1]], [t[2], t[3]]]) for t in tables])
    assert out["ror_mh"][0] == pytest.approx(ref.oddsratio_pooled, rel=1e-12)
    lo, hi = ref.oddsratio_pooled_confint()
    assert out["ror_mh_lower"][0] == pytest.approx(lo, rel=1e-6)  # statsmodels uses z = 1.96 to its own precision
    assert out["ror_mh_upper"][0] == pytest.approx(hi, rel=1e-6)


def test_stratified_groups_are_independent():
    rng = np.random.default_rng(9)
    tables = rng.integers(0, 40, size=(12, 4)).astype(float)
    group = np.repeat([0, 1, 2], 4)
    together = stats.stratified(*tables.T, group=group)
    for g in range(3):
        alone = stats.stratified(*tables[group == g].T)
        for key in ("a", "expected_stratified", "ror_mh", "ror_mh_lower"):
            assert together[key][g] == pytest.approx(alone[key][0], rel=1e-12, nan_ok=True)


def test_one_stratum_gives_the_crude_measures():
    a, b, c, d = 12.0, 88.0, 30.0, 970.0
    st = stats.stratified([a], [b], [c], [d])
    assert st["expected_stratified"][0] == pytest.approx(stats.cells_expected(a, b, c, d))
    assert st["ror_mh"][0] == pytest.approx(a * d / (b * c), rel=1e-12)


def test_bh_qvalues_match_scipy_and_skip_undefined_tests():
    from scipy.stats import false_discovery_control

    p = np.array([0.01, 0.011, np.nan, 0.012, 0.5, 0.041, 0.04])  # the step-up matters: q(0.01) < p(0.01) * m / 1
    q = stats.bh_qvalues(p)
    ok = ~np.isnan(p)
    assert np.allclose(q[ok], false_discovery_control(p[ok], method="bh"))
    assert np.isnan(q[2]) and q[0] == pytest.approx(0.012 * 6 / 3)


def test_ic_pvalue_is_the_normal_approximation():
    from scipy import special
    from scipy import stats as st

    a, e = 9.0, 2.0
    ic = math.log2((a + 0.5) / (e + 0.5))
    sd = math.sqrt(special.polygamma(1, a + 0.5)) / math.log(2)
    assert stats.ic_pvalue([a], [e])[0] == pytest.approx(st.norm.sf(ic / sd), rel=1e-12)
    assert stats.chi2_pvalue([3.841458820694124])[0] == pytest.approx(0.05, rel=1e-9)


# ---- squashing ----------------------------------------------------------------------------------------------------

def _pairs(m: int, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    e = np.exp(rng.normal(-1.5, 1.3, m))
    lam = np.where(rng.random(m) < 0.1, rng.gamma(0.3, 1 / 0.05, m), rng.gamma(3.0, 1 / 3.0, m))
    n = rng.poisson(lam * e)
    return n[n > 0].astype(float), e[n > 0]


def _levels(seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """_pairs plus 800 pairs with N = 12 and 60 with N = 40: a large count with enough pairs to be squashed, and one
    with too few."""
    n, e = _pairs(60_000)
    rng = np.random.default_rng(seed)
    return np.r_[n, np.full(800, 12.0), np.full(60, 40.0)], np.r_[e, np.exp(rng.normal(1.5, 0.6, 860))]


def test_squashing_bins_every_populous_count_by_log_width_and_keeps_its_extremes():
    n, e = _levels()
    sn, se, sw = stats.squash(n, e)
    assert sw.sum() == len(n) and len(sn) < len(n) / 3
    assert np.array_equal(np.lexsort((se, sn)), np.arange(len(sn)))  # in order of N, then E
    levels, sizes = np.unique(n, return_counts=True)
    assert {1.0, 2.0, 12.0} <= set(levels[sizes >= 500]) and 40.0 in levels[sizes < 500]
    for count, size in zip(levels, sizes, strict=True):
        mine = np.sort(e[n == count])
        ours_e, ours_w = se[sn == count], sw[sn == count]
        if size < 500:  # kept whole
            assert np.array_equal(ours_e, mine) and (ours_w == 1).all()
            continue
        # the 100 smallest and 100 largest E are kept as themselves
        assert np.array_equal(ours_e[:100], mine[:100]) and np.array_equal(ours_e[-100:], mine[-100:])
        assert (ours_w[:100] == 1).all() and (ours_w[-100:] == 1).all()
        # the middle: one point per bin of width 0.05 / sqrt(N) in log E, at the bin's mean E, weighted by its size
        middle = mine[100:-100]
        bins = np.floor((np.log(middle) - np.log(middle[0])) / (0.05 / np.sqrt(count)))
        _, which, per_bin = np.unique(bins, return_inverse=True, return_counts=True)
        assert np.array_equal(ours_w[100:-100], per_bin)
        assert np.allclose(ours_e[100:-100], np.bincount(which, weights=middle) / per_bin, rtol=1e-12)
        assert len(ours_e) < size  # squashed


def test_the_fit_is_unchanged_where_nothing_is_squashed():
    n, e = _pairs(3_000)  # no count reaches min_pts pairs: nothing squashed
    sn, se, sw = stats.squash(n, e)
    assert (sw == 1).all() and len(sn) == len(n)
    squashed, rep = stats.fit_prior(n, e)
    raw, rep_raw = stats.fit_prior(n, e, squashed=False)
    assert squashed == raw and rep["log_likelihood"] == rep_raw["log_likelihood"]


def test_a_large_screening_table_gets_its_own_prior(simpson):
    n, e = _pairs(4_000, seed=5)
    prior, source = analysis._table_prior(simpson, n, e, refit=True)
    assert source == analysis.PRIOR_REFIT and prior == stats.fit_prior(n, e)[0]
    small, source = analysis._table_prior(simpson, n[:300], e[:300], refit=True)
    assert source == analysis.PRIOR_WHOLE_DB and small == simpson.prior()
    assert analysis._table_prior(simpson, n, e, refit=False)[1] == analysis.PRIOR_WHOLE_DB
    _, strat = analysis._table_prior(simpson, n[:300], e[:300], refit=True, stratify=analysis.STRATA)
    assert strat == analysis.PRIOR_WHOLE_DB_STRATIFIED


def test_stratified_ingredient_screening_agrees_with_single_pair_signal(simpson):
    table = analysis.screen_ingredients(simpson, Selection(event=single_pt(EVENT)), stratify=("age_band",))
    row = table[table["ingredient"] == "metformin"].iloc[0]
    one = analysis.signal(simpson, _selection(), stratify=("age_band",))
    for key in ("a", "b", "c", "d", "expected", "expected_stratified", "ror_mh", "ror_mh_lower", "ror_mh_upper"):
        assert row[key] == pytest.approx(one[key], rel=1e-12), key
    crude = analysis.screen_ingredients(simpson, Selection(event=single_pt(EVENT)))
    same = crude.set_index("ingredient").loc[table["ingredient"], ["a", "b", "c", "d"]].to_numpy()
    assert (same == table[["a", "b", "c", "d"]].to_numpy()).all()  # the strata add up to the crude 2x2
    assert table.attrs["n_tested"] == len(table) == 2

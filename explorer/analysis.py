"""The service layer: answers about a selection, from the named queries and the statistics.

Pure Python and SQL (no Streamlit): the CLI, the dashboard and the claim checker call these functions. Each
function binds the selection to the connection, runs named queries from ``queries/`` and returns plain data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from explorer import onset, query, stats
from explorer.constants import RANKINGS
from explorer.definitions import single_pt
from explorer.selection import (
    Selection,
    bind,
    ensure_exposed_pts,
    ensure_exposure_therapies,
    ensure_population_count,
    ensure_population_pts,
    ensure_population_strata,
    ensure_set_hits,
    kept_strata_answer,
    whole_population,
)
from explorer.stats import Prior, Thresholds, disproportionality
from explorer.store.reader import Store
from explorer.timeline import TimelineEvent, load_timeline

LISTING_SORTS = ("received_date", "event_date", "age_years", "caseid")
DEFAULT_THRESHOLDS = Thresholds()


def _scalar_row(frame: pd.DataFrame) -> dict:
    row = frame.iloc[0].to_dict()
    return {k: (None if isinstance(v, float) and math.isnan(v) else (int(v) if isinstance(v, (np.integer,)) else v))
            for k, v in row.items()}


def count(store: Store, selection: Selection) -> dict:
    """Cases of the selection, serious, deaths, first and last received year, and cases by year."""
    out = _scalar_row(store.run("case_count", selection))
    years = store.run("cases_by_year", selection)
    out["by_year"] = {int(y): int(n) for y, n in years.groupby("year")["n_cases"].sum().items()}
    out["outcomes"] = {r.outc_cod: int(r.n_cases) for r in store.run("outcomes", selection).itertuples()}
    return out


def by_year(store: Store, selection: Selection) -> pd.DataFrame:
    return store.run("cases_by_year", selection)


def outcomes(store: Store, selection: Selection) -> pd.DataFrame:
    return store.run("outcomes", selection)


def pts(store: Store, selection: Selection, limit: int = 50) -> pd.DataFrame:
    return store.run("group_pts", selection, limit=limit)


def demographics(store: Store, selection: Selection) -> pd.DataFrame:
    return store.run("demographics", selection)


def listing(store: Store, selection: Selection, sort: str = "received_date", descending: bool = True,
            limit: int = 50, offset: int = 0) -> tuple[pd.DataFrame, int]:
    """One page of the case line listing and the total number of cases."""
    if sort not in LISTING_SORTS:
        raise query.QueryError(f"cannot sort by {sort!r}; choose one of {', '.join(LISTING_SORTS)}")
    frame = store.run("case_listing", selection, sort=sort, descending=descending, limit=int(limit),
                      offset=int(offset))
    total = int(frame["n_total"].iloc[0]) if len(frame) else 0
    return frame.drop(columns="n_total"), total


def case(store: Store, caseid: str | int) -> dict[str, pd.DataFrame]:
    """Everything about one case.

    Returns:
        ``report``, ``drugs`` (with therapy dates and indications), ``reactions``, ``versions`` and ``duplicates``
        (its group of probable duplicates; empty when it is in none).

    Raises:
        QueryError: the case number is not a number, or no current case has it.
    """
    text = str(caseid).strip()
    if not text.isdigit():
        raise query.QueryError(f"{caseid!r} is not a case number (FAERS caseids are digits)")
    key = int(text)
    report = query.run(store.con, "case_report", caseid=key)
    if report.empty:
        raise query.QueryError(f"no current case {text} (deleted, or not in the loaded quarters)")
    return {"report": report, "drugs": query.run(store.con, "case_drugs", caseid=key),
            "reactions": query.run(store.con, "case_reactions", caseid=key),
            "versions": query.run(store.con, "case_versions", caseid=key),
            "duplicates": query.run(store.con, "case_duplicates", caseid=key)}


def time_to_onset(store: Store, selection: Selection) -> dict:
    """Onset days per case and their summary (median, IQR, Weibull shape with 95% CI)."""
    bind(store.con, selection, store.definitions)
    ensure_exposure_therapies(store.con)
    days = store.run("onset_days")
    return {"days": days, **onset.summarize(days["onset_days"].tolist())}


def signal(store: Store, selection: Selection, thresholds: Thresholds = DEFAULT_THRESHOLDS,
           stratify: tuple[str, ...] = (), exclude: Background | None = None) -> dict:
    """The 2x2 cells of the selection and every disproportionality measure, with the database's EBGM prior.

    Args:
        store: the open store.
        selection: exposure, event, comparator and filters.
        thresholds: signal thresholds.
        stratify: keys of :data:`STRATA` to stratify by: adds ``ror_mh`` (with ``ror_mh_lower``/``ror_mh_upper``,
            95%), ``expected_stratified``, ``ic_stratified`` (IC025/IC975) and ``ebgm_stratified`` (EB05/EB95).
        exclude: cases left out of the reference group (unmasking; see :func:`background_exclusion`).

    Returns:
        the measures, ``prior_source`` (what the EBGM prior was fitted on) and, when stratified, ``strata``.
    """
    bind(store.con, selection, store.definitions)
    prior = store.prior()
    stratify = parse_strata(stratify)
    if not stratify and exclude is None:
        ensure_population_count(store.con)
        cells = _scalar_row(store.run("signal_cells"))
        m = disproportionality([cells["a"]], [cells["b"]], [cells["c"]], [cells["d"]], prior, thresholds=thresholds)
        out = _measures(m, 0)
    else:
        frame = _strata_cells(store, stratify, "", exclude)
        prior_s, source_s = _stratified_prior(store, stratify)
        scored = _score_strata(frame, [], prior, thresholds, stratified=bool(stratify), prior_stratified=prior_s)
        out = _measures({k: scored[k].to_numpy() for k in scored.columns}, 0)
        if stratify:
            out["strata"] = list(stratify)
            out["prior_source_stratified"] = source_s
    out["prior_source"] = PRIOR_WHOLE_DB if prior is not None else None
    if exclude is not None:
        out["excluded_from_background"] = exclude.label
    return out


def _strata_cells(store: Store, stratify: Sequence[str], period: str, exclude: Background | None) -> pd.DataFrame:
    """The bound selection's 2x2 cells by stratum (and period: '' for none), ``signal_strata.sql``."""
    ensure_population_strata(store.con)
    return store.run("signal_strata", strata=list(stratify), period=period, **_mask_params(exclude))


def _measures(m: dict, i: int) -> dict:
    out: dict[str, object] = {}
    for key, values in m.items():
        v = values[i]
        if isinstance(v, (np.bool_, bool)):
            out[key] = bool(v)
        elif key in ("a", "b", "c", "d", "n", "n_strata"):
            out[key] = int(v)
        else:
            out[key] = None if math.isnan(float(v)) else float(v)
    for name in ("prr", "ror"):
        out[f"{name}_ci"] = [out.pop(f"{name}_lower"), out.pop(f"{name}_upper")]
    return out


def forest(store: Store, selection: Selection, thresholds: Thresholds = DEFAULT_THRESHOLDS,
           stratify: tuple[str, ...] = (), exclude: Background | None = None) -> pd.DataFrame:
    """One row per PT of the selection's event group: cells and measures (for a forest plot), crude and, with
    ``stratify``, adjusted (see :func:`signal`)."""
    if selection.event is None:
        raise query.QueryError("a forest plot needs an event group")
    pts = list(selection.event.pts)
    if not stratify and exclude is None:  # every PT's 2x2 in one pass over the bound selection, as signal() has it
        bind(store.con, selection, store.definitions)
        cells = _event_set_cells(store, [(pt,) for pt in pts])
        prior = store.prior()
        m = disproportionality(cells["a"].to_numpy(), cells["b"].to_numpy(), cells["c"].to_numpy(),
                               cells["d"].to_numpy(), prior, thresholds=thresholds)
        source = PRIOR_WHOLE_DB if prior is not None else None
        return pd.DataFrame([{"pt": pt, **_measures(m, i), "prior_source": source} for i, pt in enumerate(pts)])
    rows = []
    for pt in pts:
        s = signal(store, replace(selection, event=single_pt(pt)), thresholds, stratify, exclude)
        rows.append({"pt": pt, **s})
    return pd.DataFrame(rows)


def _event_set_cells(store: Store, sets: list[tuple[str, ...]]) -> pd.DataFrame:
    """The 2x2 cells (a, b, c, d) of the bound selection with each of several events (each a tuple of PTs) in turn,
    one row per event in order, from one query (``signal_cells_sets``) instead of a bind per event."""
    ensure_population_count(store.con)
    names = [str(i) for i in range(len(sets))]
    key = ensure_set_hits(store.con, names, [[p.lower() for p in pts] for pts in sets])
    frame = store.run("signal_cells_sets", set_names=names, set_key=key)
    return frame.set_index("name").reindex(names).reset_index(drop=True).astype("int64")


# ---- stratification, unmasking, multiplicity, the prior a table is scored with -------------------------------------

STRATA = ("age_band", "sex", "year")
PERIODS = ("quarter", "year")
PRIOR_WHOLE_DB = "whole database ingredient × PT pairs"
PRIOR_REFIT = "refitted on this screening table"
PRIOR_WHOLE_DB_STRATIFIED = "whole database ingredient × PT pairs, expected counts stratified by age band, sex, year"
MIN_REFIT_PAIRS = 500  # fewest pairs with a case for a screening table's own prior fit
MEASURE_COLUMNS = ("expected", "prr", "prr_lower", "prr_upper", "chi2_yates", "evans", "ror", "ror_lower",
                   "ror_upper", "ror_signal", "ic", "ic025", "ic975", "ic_signal", "ebgm", "eb05", "eb95",
                   "ebgm_signal")
STRATIFIED_COLUMNS = ("expected_stratified", "ror_mh", "ror_mh_lower", "ror_mh_upper", "ic_stratified",
                      "ic025_stratified", "ic975_stratified", "ebgm_stratified", "eb05_stratified",
                      "eb95_stratified", "ebgm_stratified_signal", "n_strata")


def parse_strata(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """Stratification keys from ``age_band,sex,year`` (any subset, any order; returned in :data:`STRATA` order).

    Raises:
        QueryError: an unknown key.
    """
    if not value:
        return ()
    keys = [k.strip().lower() for k in (value.split(",") if isinstance(value, str) else value) if k.strip()]
    unknown = [k for k in keys if k not in STRATA]
    if unknown:
        raise query.QueryError(f"cannot stratify by {unknown[0]!r}; choose from {', '.join(STRATA)}")
    return tuple(k for k in STRATA if k in keys)


@dataclass(frozen=True)
class Background:
    """Cases left out of the reference group (unmasking): those with one of these ingredients (in the exposure's
    roles) or one of these PTs."""

    label: str
    ingredients: tuple[str, ...] = ()
    pts: tuple[str, ...] = ()


def background_exclusion(store: Store, name: str) -> Background:
    """What ``--exclude-from-background NAME`` leaves out of the reference group.

    NAME is a named event group (its PTs), a named exposure (its ingredients), a loaded ingredient, or a loaded PT,
    looked up in that order.

    Raises:
        QueryError: the name is none of these.
    """
    text = name.strip()
    defs = store.definitions
    if text in defs.events:
        group = defs.events[text]
        return Background(f"event group {text}", pts=tuple(p.lower() for p in group.pts))
    if text in defs.exposures and defs.exposures[text].ingredients:
        return Background(f"exposure {text}", ingredients=defs.exposures[text].ingredients)
    key = text.lower()
    found = store.run("vocab_lookup", key=key)
    kinds = set(found["kind"]) if len(found) else set()
    if "ingredient" in kinds:
        return Background(f"ingredient {key}", ingredients=(key,))
    if "pt" in kinds:
        return Background(f"PT {text}", pts=(key,))
    raise query.QueryError(f"{text!r} is not an event group, an exposure with ingredients, a loaded ingredient or a "
                           "loaded PT; nothing to exclude from the background")


def _mask_params(exclude: Background | None) -> dict:
    return {"mask_ings": list(exclude.ingredients) if exclude else [],
            "mask_pts": list(exclude.pts) if exclude else []}


def _score_strata(frame: pd.DataFrame, keys: list[str], prior: Prior | None, thresholds: Thresholds,
                  stratified: bool, prior_stratified: Prior | None = None) -> pd.DataFrame:
    """Score per-stratum cells: one row per value of ``keys`` (one row when ``keys`` is empty).

    The crude cells are the sums over the strata, except where the frame lists only some strata of a row (the
    screening queries: only the strata where the PT or ingredient has cases) and gives the totals instead:
    ``n_exposed_all``/``n_reference_all`` (b and d from them) or ``n_event_all``/``n_all`` (c and d). With
    ``stratified``, the Mantel-Haenszel ROR, the stratified expected count and the IC and EBGM computed from it are
    added (EBGM with ``prior_stratified``, else ``prior``); strata left out add nothing to those sums.
    """
    cells = frame[["a", "b", "c", "d"]].to_numpy(dtype=float)
    if keys:
        grouped = frame.groupby(keys, sort=True, dropna=False)
        group = grouped.ngroup().to_numpy()
        out = grouped.size().reset_index()[keys]
    else:
        group = np.zeros(len(frame), dtype=int)
        out = pd.DataFrame(index=[0])
    if len(frame) == 0:  # no case at all: one empty 2x2
        cells, group = np.zeros((1, 4)), np.zeros(1, dtype=int)
        out = pd.DataFrame(index=[0]) if not keys else out
    st = stats.stratified(cells[:, 0], cells[:, 1], cells[:, 2], cells[:, 3], group)
    a, b, c, d = st["a"], st["b"], st["c"], st["d"]
    if len(frame) and {"n_exposed_all", "n_reference_all"} <= set(frame.columns):
        n_x = _first_by_group(frame["n_exposed_all"], group, len(a))
        n_r = _first_by_group(frame["n_reference_all"], group, len(a))
        b = np.where(np.isnan(n_x), b, n_x - a)
        d = np.where(np.isnan(n_r), d, n_r - c)
    if len(frame) and {"n_event_all", "n_all"} <= set(frame.columns):
        n_v = _first_by_group(frame["n_event_all"], group, len(a))
        n = _first_by_group(frame["n_all"], group, len(a))
        c = np.where(np.isnan(n_v), c, n_v - a)
        d = np.where(np.isnan(n), d, n - (a + b) - c)
    m = disproportionality(a, b, c, d, prior, thresholds=thresholds)
    out = out.reset_index(drop=True)
    for key in ("a", "b", "c", "d", "n", *MEASURE_COLUMNS):
        if key in m:
            out[key] = m[key]
    if stratified:
        e = st["expected_stratified"]
        out["expected_stratified"] = e
        out["ror_mh"], out["ror_mh_lower"], out["ror_mh_upper"] = st["ror_mh"], st["ror_mh_lower"], st["ror_mh_upper"]
        ic = stats.information_component(st["a"], e)
        out["ic_stratified"], out["ic025_stratified"], out["ic975_stratified"] = ic["ic"], ic["ic025"], ic["ic975"]
        p = prior_stratified or prior
        if p is not None:
            eb = stats.ebgm(st["a"], e, p)
            out["ebgm_stratified"], out["eb05_stratified"], out["eb95_stratified"] = eb["ebgm"], eb["eb05"], eb["eb95"]
            out["ebgm_stratified_signal"] = eb["eb05"] >= thresholds.eb05
        out["n_strata"] = st["n_strata"]
    return out


def _stratified_prior(store: Store, stratify: tuple[str, ...]) -> tuple[Prior | None, str | None]:
    """The database's prior for EBGM from stratified expected counts: the one fitted on stratified counts when the
    keys are those it was fitted with (all of STRATA), else the crude one (labelled so)."""
    if not stratify:
        return None, None
    strat = store.prior_stratified() if tuple(stratify) == STRATA else None
    if strat is not None:
        return strat, PRIOR_WHOLE_DB_STRATIFIED
    db = store.prior()
    return db, (f"{PRIOR_WHOLE_DB} (crude expected counts)" if db is not None else None)


def _first_by_group(values: pd.Series, group: np.ndarray, size: int) -> np.ndarray:
    """The first non-missing value of each group (NaN where a group has none)."""
    out = np.full(size, np.nan)
    v = values.to_numpy(dtype=float)
    ok = ~np.isnan(v)
    out[group[ok][::-1]] = v[ok][::-1]  # written last to first: the first value of each group wins
    return out


def _refit(a: np.ndarray, expected: np.ndarray, refit: bool) -> Prior | None:
    """The prior refitted on a screening table's own pairs, or None: not asked for, fewer than MIN_REFIT_PAIRS pairs
    with a case, or a fit that did not converge inside its parameter space. Reads nothing from the store (it may run
    beside a query of the same connection)."""
    if refit and int((np.asarray(a) >= 1).sum()) >= MIN_REFIT_PAIRS:
        prior, report = stats.fit_prior(a, expected)
        if report.get("converged"):
            return prior
    return None


def _table_prior(store: Store, a: np.ndarray, expected: np.ndarray, refit: bool,
                 stratify: tuple[str, ...] = (), refitted: Future[Prior | None] | None = None
                 ) -> tuple[Prior | None, str | None]:
    """The prior to score a screening table with: refitted on the table (:func:`_refit`, or ``refitted`` when it was
    started already), else the database's (for stratified expected counts, :func:`_stratified_prior`)."""
    prior = refitted.result() if refitted is not None else _refit(a, expected, refit)
    if prior is not None:
        return prior, PRIOR_REFIT
    if stratify:
        return _stratified_prior(store, stratify)
    db = store.prior()
    return db, (PRIOR_WHOLE_DB if db is not None else None)


def _multiplicity(frame: pd.DataFrame) -> pd.DataFrame:
    """p- and Benjamini-Hochberg q-values over the rows of a screening table (the family: every row).

    ``p_chi2``/``q_chi2``: the Yates-corrected chi-square test of the 2x2 (null PRR = ROR = 1, two-sided);
    ``p_ic``/``q_ic``: the IC's normal approximation, one-sided (IC > 0).
    """
    frame["p_chi2"] = stats.chi2_pvalue(frame["chi2_yates"].to_numpy(dtype=float))
    frame["q_chi2"] = stats.bh_qvalues(frame["p_chi2"].to_numpy())
    frame["p_ic"] = stats.ic_pvalue(frame["a"].to_numpy(dtype=float), frame["expected"].fillna(0).to_numpy(float))
    frame["q_ic"] = stats.bh_qvalues(frame["p_ic"].to_numpy())
    return frame





def _screen_groups(store: Store, selection: Selection, stratify: tuple[str, ...], exclude: Background | None,
                   names: pd.Series) -> list[pd.DataFrame]:
    """The screening's event-group rows (cells, by stratum when stratified) for the groups reported with the
    exposure; each group's display name is added to ``names`` (by its ``group:`` key)."""
    plain = not stratify and exclude is None
    groups = []
    events = store.definitions.events
    if plain and events:  # every group's 2x2 in one pass over the bound selection (no bind per group)
        g = _event_set_cells(store, [e.pts for e in events.values()])
        g["pt_key"] = [f"group:{name}" for name in events]
        g = g[g["a"] > 0]  # like the PT rows: only groups reported with the exposure
        groups.append(g[["pt_key", "a", "b", "c", "d"]])
        for key in g["pt_key"]:
            names[key] = f"[group] {events[key.removeprefix('group:')].title}"
    if not plain and exclude is None and events:  # stratified: every group's cells by stratum in one pass
        ensure_population_strata(store.con)
        g = store.run("signal_strata_sets", set_names=list(events),
                      set_pts=[[p.lower() for p in e.pts] for e in events.values()], strata=list(stratify))
        for name, cells_g in g.groupby("name", sort=False):
            if int(cells_g["a"].sum()) > 0:  # like the PT rows: only groups reported with the exposure
                groups.append(cells_g.assign(pt_key=f"group:{name}")[["pt_key", "a", "b", "c", "d"]])
                names[f"group:{name}"] = f"[group] {events[str(name)].title}"
    for name, group in (events if exclude is not None else {}).items():  # unmasked: one bind per group
        bind(store.con, replace(selection, event=group), store.definitions)
        g = _strata_cells(store, stratify, "", exclude)
        if int(g["a"].sum()) == 0:
            continue
        g["pt_key"] = f"group:{name}"
        groups.append(g[["pt_key", "a", "b", "c", "d"]])
        names[f"group:{name}"] = f"[group] {group.title}"
    return groups


def screen_events(store: Store, selection: Selection, rank_by: str = "eb05",
                  thresholds: Thresholds = DEFAULT_THRESHOLDS, stratify: tuple[str, ...] = (),
                  exclude: Background | None = None, refit_prior: bool = True) -> pd.DataFrame:
    """For the exposure: every PT and every event group reported with it, with cells and measures, ranked.

    Each row has its intervals (PT and group rows alike), p- and BH q-values (:func:`_multiplicity`) and
    ``prior_source``. With ``stratify``, the adjusted measures of :func:`signal` too. ``frame.attrs`` holds
    ``n_tested`` (the rows of the BH family), ``prior_source`` and ``strata``.
    """
    stratify = parse_strata(stratify)
    plain = not stratify and exclude is None  # the unstratified queries: one row per PT, one 2x2 per group
    bind(store.con, selection, store.definitions)
    if plain:
        ensure_exposed_pts(store.con)
        if selection.comparator is None:
            ensure_population_count(store.con)
            if not whole_population(store.con):
                ensure_population_pts(store.con, kept=store.serious_strata_kept()
                                      and kept_strata_answer(selection.filters))
        cells = store.run("screen_events")
        cells["n_exposed_all"] = cells["n_reference_all"] = np.nan
    elif exclude is None and selection.comparator is None and whole_population(store.con) and store.strata_kept():
        ensure_population_strata(store.con)  # every case of each stratum, and each PT's, counted already
        cells = store.run("screen_events_strata_whole", strata=list(stratify))
    else:
        cells = store.run("screen_events_strata", strata=list(stratify), **_mask_params(exclude))
    if cells.empty:
        return pd.DataFrame()
    # the prior is fitted on the PT rows (each PT once), then applied to every row. The fit (numpy and scipy, no
    # query) runs on a thread while this one finds the event groups' cells (DuckDB releases the GIL meanwhile).
    pt_rows = _score_strata(cells, ["pt_key"], None, thresholds, stratified=bool(stratify))
    a_pt = pt_rows["a"].to_numpy(float)
    names = cells.groupby("pt_key")["pt"].first()
    with ThreadPoolExecutor(max_workers=1) as pool:
        refitted = pool.submit(_refit, a_pt, pt_rows["expected"].to_numpy(float), refit_prior)
        groups = _screen_groups(store, selection, stratify, exclude, names)
        prior, source = _table_prior(store, a_pt, pt_rows["expected"].to_numpy(float), refit_prior,
                                     refitted=refitted)
    frame = pd.concat([cells[["pt_key", "a", "b", "c", "d", "n_exposed_all", "n_reference_all"]], *groups],
                      ignore_index=True)
    prior_s = None
    if stratify:
        prior_s, source_s = _table_prior(store, pt_rows["a"].to_numpy(float),
                                         pt_rows["expected_stratified"].to_numpy(float), refit_prior, stratify)
    scored = _score_strata(frame, ["pt_key"], prior, thresholds, stratified=bool(stratify), prior_stratified=prior_s)
    scored = scored.drop(columns=["n_strata"], errors="ignore")  # PT rows list only the strata where the PT has cases
    scored.insert(1, "pt", scored["pt_key"].map(names))
    scored["prior_source"] = source
    if stratify:
        scored["prior_source_stratified"] = source_s
    scored = _multiplicity(scored)
    out = ranked(scored, rank_by)
    out.attrs.update(n_tested=int(len(scored)), prior_source=source, strata=list(stratify))
    return out


def screen_ingredients(store: Store, selection: Selection, rank_by: str = "eb05",
                       thresholds: Thresholds = DEFAULT_THRESHOLDS, refit_prior: bool = True,
                       stratify: tuple[str, ...] = ()) -> pd.DataFrame:
    """For the event: every ingredient (in the exposure's roles) reported with it, ranked; p- and BH q-values,
    ``prior_source`` and, with ``stratify``, the adjusted measures, as in :func:`screen_events`."""
    stratify = parse_strata(stratify)
    if stratify:
        bind(store.con, selection, store.definitions)
        cells = store.run("screen_ingredients_strata", strata=list(stratify))
        if cells.empty:
            return pd.DataFrame()
        crude = _score_strata(cells, ["ingredient"], None, thresholds, stratified=True)
        prior, source = _table_prior(store, crude["a"].to_numpy(float), crude["expected"].to_numpy(float),
                                     refit_prior)
        prior_s, source_s = _table_prior(store, crude["a"].to_numpy(float),
                                         crude["expected_stratified"].to_numpy(float), refit_prior, stratify)
        scored = _score_strata(cells, ["ingredient"], prior, thresholds, stratified=True, prior_stratified=prior_s)
        scored = scored.drop(columns=["n_strata"])
        scored["prior_source"], scored["prior_source_stratified"] = source, source_s
    else:
        frame = store.run("screen_ingredients", selection)
        if frame.empty:
            return frame
        e = stats.cells_expected(frame["a"], frame["b"], frame["c"], frame["d"])
        prior, source = _table_prior(store, frame["a"].to_numpy(float), e, refit_prior)
        scored = _scored(frame, prior, thresholds)
        scored["prior_source"] = source
    scored = _multiplicity(scored)
    out = ranked(scored, rank_by)
    out.attrs.update(n_tested=int(len(scored)), prior_source=source, strata=list(stratify))
    return out


def _scored(frame: pd.DataFrame, prior: Prior | None, thresholds: Thresholds) -> pd.DataFrame:
    if frame.empty:
        return frame
    m = disproportionality(frame["a"], frame["b"], frame["c"], frame["d"], prior, thresholds=thresholds)
    scored = frame.copy()
    for key in MEASURE_COLUMNS:
        if key in m:
            scored[key] = m[key]
    return scored


def ranked(frame: pd.DataFrame, rank_by: str) -> pd.DataFrame:
    """Screening rows ranked by one of :data:`RANKINGS` (then by the number of cases).

    Raises:
        QueryError: an unknown ranking, or one this table cannot have (stratified measures without ``--stratify``).
    """
    if rank_by not in RANKINGS:
        raise query.QueryError(f"cannot rank by {rank_by!r}; choose one of {', '.join(RANKINGS)}")
    if rank_by not in frame.columns:
        raise query.QueryError(f"cannot rank by {rank_by!r} here (it needs --stratify or a prior)")
    ascending = rank_by.startswith("q_")
    return frame.sort_values([rank_by, "a"], ascending=[ascending, False], na_position="last").reset_index(drop=True)


# ---- over time ------------------------------------------------------------------------------------------------------

def over_time(store: Store, selection: Selection, period: str = "quarter", cumulative: bool = False,
              thresholds: Thresholds = DEFAULT_THRESHOLDS, stratify: tuple[str, ...] = (),
              exclude: Background | None = None) -> pd.DataFrame:
    """One row per period received (FDA's initial receipt date): ``period``, ``a, b, c, d``, PRR, ROR (95% CI),
    IC (IC025/IC975) and, with ``stratify``, the Mantel-Haenszel ROR.

    Periods run from the first to the last with a case of the population; a period without cases has zero cells.
    With ``cumulative`` each row counts every case received up to the end of its period. Cases without a received
    date are left out; ``frame.attrs['n_undated']`` says how many.

    Raises:
        QueryError: an unknown period.
    """
    if period not in PERIODS:
        raise query.QueryError(f"--over takes {' or '.join(PERIODS)}, not {period!r}")
    stratify = parse_strata(stratify)
    bind(store.con, selection, store.definitions)
    frame = _strata_cells(store, stratify, period, exclude)
    undated = frame[frame["period"].isna()]
    frame = frame[frame["period"].notna()]
    n_undated = int(undated[["a", "b", "c", "d"]].to_numpy().sum())
    if frame.empty:
        out = pd.DataFrame(columns=["period", "a", "b", "c", "d"])
        out.attrs.update(n_undated=n_undated, cumulative=cumulative, period=period)
        return out
    freq = "Q" if period == "quarter" else "Y"
    span = pd.period_range(pd.Period(frame["period"].min(), freq=freq), pd.Period(frame["period"].max(), freq=freq))
    periods = [str(p) for p in span]
    frame = frame.copy()
    frame["_stratum"] = ["|".join("-" if v is None or v != v else str(v) for v in row)
                         for row in frame[list(STRATA)].itertuples(index=False)]
    wide = frame.pivot_table(index="period", columns="_stratum", values=["a", "b", "c", "d"], aggfunc="sum",
                             fill_value=0).reindex(periods, fill_value=0)
    if cumulative:
        wide = wide.cumsum()
    long = wide.stack("_stratum", future_stack=True).reset_index()
    out = _score_strata(long, ["period"], None, thresholds, stratified=bool(stratify))
    keep = ["period", "a", "b", "c", "d", "expected", "prr", "prr_lower", "prr_upper", "ror", "ror_lower",
            "ror_upper", "ic", "ic025", "ic975"]
    if stratify:
        keep += ["expected_stratified", "ror_mh", "ror_mh_lower", "ror_mh_upper"]
    out = out[keep]
    for col in ("a", "b", "c", "d"):
        out[col] = out[col].astype(int)
    out.attrs.update(n_undated=n_undated, cumulative=cumulative, period=period, strata=list(stratify))
    return out


def timeline_events(store: Store) -> list[TimelineEvent]:
    """The dated events of the definitions folder's ``timeline.toml`` (marked on over-time charts)."""
    return load_timeline(store.definitions.folder / "timeline.toml")


# ---- unmasking --------------------------------------------------------------------------------------------------

RATIO_MEASURES = ("prr", "ror", "ebgm", "eb05", "ror_mh", "ebgm_stratified", "eb05_stratified")
DIFFERENCE_MEASURES = ("c", "d", "expected", "ic", "ic025", "ic_stratified", "expected_stratified")


def unmasking(store: Store, selection: Selection, exclude: Background,
              thresholds: Thresholds = DEFAULT_THRESHOLDS, stratify: tuple[str, ...] = ()) -> pd.DataFrame:
    """Each measure with the whole reference group and without the masking drug's or event's cases.

    Returns:
        one row per measure: ``measure``, ``all_reference``, ``without_masked``, ``change`` (the ratio
        without/with for PRR, ROR, EBGM and EB05; the difference for counts, expected counts and IC) and
        ``change_is`` ('ratio' or 'difference').
    """
    before = signal(store, selection, thresholds, stratify)
    after = signal(store, selection, thresholds, stratify, exclude)
    rows = []
    for key in ("c", "d", "expected", "prr", "ror", "ic", "ic025", "ebgm", "eb05", *STRATIFIED_COLUMNS):
        if key not in before or key not in after or key in ("ebgm_stratified_signal", "n_strata"):
            continue
        if key not in RATIO_MEASURES and key not in DIFFERENCE_MEASURES:
            continue
        x, y = before[key], after[key]
        ratio = key in RATIO_MEASURES
        if x is None or y is None:
            change = None
        elif ratio:
            change = y / x if x else None
        else:
            change = y - x
        rows.append({"measure": key, "all_reference": x, "without_masked": y, "change": change,
                     "change_is": "ratio" if ratio else "difference"})
    out = pd.DataFrame(rows)
    out.attrs["excluded_from_background"] = exclude.label
    return out


# ---- time to onset compared ---------------------------------------------------------------------------------------

ONSET_COMPARISONS = ("other-events", "comparator")


def onset_comparison(store: Store, selection: Selection, against: str) -> dict:
    """The selection's onset distribution beside another one, with the two-sample Kolmogorov-Smirnov and
    Anderson-Darling tests (:func:`explorer.onset.compare`).

    Args:
        against: ``other-events`` (the exposure's cases without the event) or ``comparator`` (the comparator's
            cases with the event, onset from the comparator drug's start).

    Returns:
        ``days`` and ``other_days`` (frames of caseid, onset_days), ``label``/``other_label`` and the tests.

    Raises:
        QueryError: an unknown comparison, or a selection that lacks what it needs.
    """
    if against not in ONSET_COMPARISONS:
        raise query.QueryError(f"--compare-onset takes {' or '.join(ONSET_COMPARISONS)}, not {against!r}")
    if selection.exposure is None or selection.event is None:
        raise query.QueryError("comparing onsets needs an exposure and an event")
    if against == "comparator" and selection.comparator is None:
        raise query.QueryError("--compare-onset comparator needs --comparator")
    bind(store.con, selection, store.definitions)
    ensure_exposure_therapies(store.con)
    days = store.run("onset_days")
    name = "onset_days_other_events" if against == "other-events" else "onset_days_comparator"
    other = store.run(name, selection)
    if against == "other-events":
        other_label = f"{selection.exposure.title}, other events"
    else:
        assert selection.comparator is not None  # checked above
        other_label = f"{selection.comparator.title}, {selection.event.title}"
    return {"days": days, "other_days": other, "label": f"{selection.exposure.title}, {selection.event.title}",
            "other_label": other_label, "against": against,
            **onset.compare(days["onset_days"].tolist(), other["onset_days"].tolist())}

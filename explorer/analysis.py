"""The service layer: answers about a selection, from the named queries and the statistics.

Pure Python and SQL (no Streamlit): the CLI, the dashboard and the claim checker call these functions. Each
function binds the selection to the connection, runs named queries from ``queries/`` and returns plain data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from explorer import onset, query
from explorer.definitions import Definitions, load_definitions, single_pt
from explorer.selection import Selection, bind, ensure_population_count
from explorer.stats import Prior, Thresholds, disproportionality

LISTING_SORTS = ("received_date", "event_date", "age_years", "caseid")
DEFAULT_THRESHOLDS = Thresholds()


@dataclass
class Store:
    """An open, read-only store with its definitions."""

    con: object
    path: Path
    definitions: Definitions

    @classmethod
    def open(cls, db_path: str | Path, definitions: Definitions | None = None) -> Store:
        from explorer.meddra.lookup import resolve_definitions  # event groups by SMQ/HLT/SOC -> this store's PTs

        con = query.connect(db_path)
        return cls(con, Path(db_path), resolve_definitions(con, definitions or load_definitions(), db_path))

    def close(self) -> None:
        self.con.close()

    def run(self, name: str, selection: Selection | None = None, **params) -> pd.DataFrame:
        if selection is not None:
            bind(self.con, selection, self.definitions)
        return query.run(self.con, name, **params)

    def prior(self) -> Prior | None:
        """The EBGM prior fitted over this database (None if the database has none)."""
        try:
            row = self.con.execute("SELECT alpha1, beta1, alpha2, beta2, p FROM ebgm_prior").fetchone()
        except Exception:  # a store built before the prior existed
            return None
        return Prior(*row) if row else None

    def prior_note(self) -> str:
        """'' when the EBGM prior's fit converged inside its parameter space, else a sentence to show with EBGM."""
        try:
            row = self.con.execute("SELECT converged, at_bound FROM ebgm_prior").fetchone()
        except Exception:  # a store built before these columns existed
            return ""
        if not row or row[0]:
            return ""
        if row[1]:
            return ("EBGM caution: the prior's fit ended at the edge of its parameter space (a background component "
                    "with no spread, as when most pairs are exactly as frequent as expected); EB05/EB95 are computed "
                    "with that prior. Read them beside PRR, ROR and IC.")
        return "EBGM caution: the prior's fit did not converge; read EBGM beside PRR, ROR and IC."

    def notice(self) -> tuple[bool, str]:
        return query.data_notice(self.con)


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
    days = store.run("onset_days", selection)
    return {"days": days, **onset.summarize(days["onset_days"].tolist())}


def signal(store: Store, selection: Selection, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> dict:
    """The 2x2 cells of the selection and every disproportionality measure, with the database's EBGM prior."""
    bind(store.con, selection, store.definitions)
    ensure_population_count(store.con)
    cells = _scalar_row(store.run("signal_cells"))
    m = disproportionality([cells["a"]], [cells["b"]], [cells["c"]], [cells["d"]], store.prior(),
                           thresholds=thresholds)
    return _measures(m, 0)


def _measures(m: dict, i: int) -> dict:
    out = {}
    for key, values in m.items():
        v = values[i]
        if isinstance(v, (np.bool_, bool)):
            out[key] = bool(v)
        elif key in ("a", "b", "c", "d", "n"):
            out[key] = int(v)
        else:
            out[key] = None if math.isnan(float(v)) else float(v)
    for name in ("prr", "ror"):
        out[f"{name}_ci"] = [out.pop(f"{name}_lower"), out.pop(f"{name}_upper")]
    return out


def forest(store: Store, selection: Selection, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """One row per PT of the selection's event group: cells and measures (for a forest plot)."""
    if selection.event is None:
        raise query.QueryError("a forest plot needs an event group")
    rows = []
    for pt in selection.event.pts:
        s = signal(store, replace(selection, event=single_pt(pt)), thresholds)
        rows.append({"pt": pt, **s})
    return pd.DataFrame(rows)


def _scored(frame: pd.DataFrame, prior: Prior | None, thresholds: Thresholds) -> pd.DataFrame:
    if frame.empty:
        return frame
    m = disproportionality(frame["a"], frame["b"], frame["c"], frame["d"], prior, thresholds=thresholds)
    scored = frame.copy()
    for key in ("expected", "prr", "prr_lower", "prr_upper", "chi2_yates", "evans", "ror", "ror_lower", "ror_upper",
                "ror_signal", "ic", "ic025", "ic975", "ic_signal", "ebgm", "eb05", "eb95", "ebgm_signal"):
        if key in m:
            scored[key] = m[key]
    return scored


RANKINGS = {"eb05": "eb05", "ic025": "ic025", "ror_lower": "ror_lower", "prr": "prr"}


def screen_events(store: Store, selection: Selection, rank_by: str = "eb05",
                  thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """For the exposure: every PT reported with it, and every event group, with cells and measures, ranked."""
    frame = store.run("screen_events", selection)
    scored = _scored(frame, store.prior(), thresholds)
    if scored.empty:
        return scored
    groups = []
    for name, group in store.definitions.events.items():
        s = signal(store, replace(selection, event=group), thresholds)
        groups.append({"pt_key": f"group:{name}", "pt": f"[group] {group.title}",
                       **{k: v for k, v in s.items() if not k.endswith("_ci")}})
    return _ranked(pd.concat([scored, pd.DataFrame(groups)], ignore_index=True), rank_by)


def screen_ingredients(store: Store, selection: Selection, rank_by: str = "eb05",
                       thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """For the event: every ingredient (in the exposure's roles) reported with it, ranked."""
    scored = _scored(store.run("screen_ingredients", selection), store.prior(), thresholds)
    return scored if scored.empty else _ranked(scored, rank_by)


def _ranked(frame: pd.DataFrame, rank_by: str) -> pd.DataFrame:
    key = RANKINGS.get(rank_by, "eb05")
    return frame.sort_values([key, "a"], ascending=False, na_position="last").reset_index(drop=True)

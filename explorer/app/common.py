"""What every page shares: the store connection, the banner, the sidebar selection (kept in the URL), downloads.

Only the app imports streamlit. Pages call the service layer (explorer.analysis) and the report layer; they compute
nothing of their own.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from explorer import analysis
from explorer.app import meddra_picker
from explorer.definitions import EventGroup, ingredient_exposure, single_pt
from explorer.errors import ExplorerError
from explorer.report import charts, export
from explorer.selection import Filters, Selection

DB_ENV = "EXPLORER_DB"


def db_path() -> Path:
    return Path(os.environ.get(DB_ENV, "data/faers.duckdb"))


def store() -> analysis.Store:
    """This session's read-only connection; reopened when a load has swapped the database file."""
    path = db_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        st.error(f"No database at {path}. Load data first: python -m explorer demo (or load ...).")
        st.stop()
    key = (str(path), stat.st_ino, stat.st_mtime_ns)
    current = st.session_state.get("_store")
    if current is None or st.session_state.get("_store_key") != key:
        if current is not None:
            current.close()
        try:
            st.session_state["_store"] = analysis.Store.open(path)
        except ExplorerError as e:
            st.error(str(e))
            st.stop()
        st.session_state["_store_key"] = key
    return st.session_state["_store"]


def banner(s: analysis.Store) -> bool:
    """Show the synthetic-data banner when synthetic data are loaded; return whether they are."""
    synthetic, notice = s.notice()
    if synthetic:
        st.warning("**Synthetic demo data — not FDA data.** Every number on this page is made up by the generator.",
                   icon="⚠️")
    return synthetic


def quarters_label(s: analysis.Store) -> str:
    lo, hi = s.con.execute("SELECT min(quarter), max(quarter) FROM load_log").fetchone()
    return f"{lo}–{hi}" if lo else "none"


# ---- the selection, kept in the URL ----------------------------------------------------------------------------

def _param(name: str, default: str = "") -> str:
    value = st.query_params.get(name, default)
    return value if isinstance(value, str) else default


def _listed(name: str) -> list[str]:
    return [v for v in _param(name).split(",") if v]


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(_param(name)) if _param(name) else None
    except ValueError:
        return None


def sidebar_selection(s: analysis.Store, need_exposure: bool = True) -> Selection:
    """The sidebar: exposure, event, options and every filter. Values start from the URL and are written back."""
    defs = s.definitions
    sb = st.sidebar
    sb.header("Selection")
    presets = sorted(defs.exposures)
    modes = ["preset", "ingredient"] + ([] if need_exposure else ["none"])
    mode = sb.radio("Exposure", modes, index=modes.index(_param("exposure_mode", "preset"))
                    if _param("exposure_mode", "preset") in modes else 0, horizontal=True, key="exposure_mode")
    exposure = None
    params: dict[str, str] = {"exposure_mode": mode}
    if mode == "preset":
        name = sb.selectbox("Preset", presets, index=presets.index(_param("exposure", "esi"))
                            if _param("exposure", "esi") in presets else 0, key="exposure",
                            format_func=lambda n: f"{n} — {defs.exposures[n].title}")
        exposure = defs.exposure(name)
        params["exposure"] = name
    elif mode == "ingredient":
        vocab = ingredient_vocabulary(s)
        ing = sb.selectbox("Ingredient", vocab, index=vocab.index(_param("ingredient")) if _param("ingredient") in
                           vocab else None, placeholder="type to search", key="ingredient")
        routes = route_vocabulary(s)
        route = sb.selectbox("Route (optional)", ["(any)", *routes], index=(routes.index(_param("route")) + 1) if
                             _param("route") in routes else 0, key="route")
        if ing:
            exposure = ingredient_exposure(ing, None if route == "(any)" else route)
            params.update(ingredient=ing, route="" if route == "(any)" else route)
    if exposure is not None:
        strict = sb.checkbox("Route field only (strict)", value=_param("strict") == "1", key="strict")
        any_role = sb.checkbox("Any drug role (not only PS/SS)", value=_param("any_role") == "1", key="any_role")
        exposure = exposure.with_options(strict_route=strict, any_role=any_role)
        params.update(strict="1" if strict else "", any_role="1" if any_role else "")

    groups = sorted(defs.events)
    gsel = sb.selectbox("Event group", ["(none)", *groups], index=(groups.index(_param("event_group")) + 1) if
                        _param("event_group") in groups else 0, key="event_group",
                        format_func=lambda n: n if n == "(none)" else f"{n} — {defs.events[n].title}")
    pt_vocab = pt_vocabulary(s)
    pts = sb.multiselect("…or preferred terms", pt_vocab, default=[p for p in _listed("pts") if p in pt_vocab],
                         key="pts", placeholder="type to search PTs")
    event = None
    if gsel != "(none)":
        event = defs.event(gsel)
        if pts:
            event = EventGroup(f"{event.name}+pts", f"{event.title} and {', '.join(pts)}", (*event.pts, *pts))
    elif len(pts) == 1:
        event = single_pt(pts[0])
    elif pts:
        event = EventGroup("pts:" + "|".join(pts), ", ".join(pts), tuple(pts))
    params.update(event_group="" if gsel == "(none)" else gsel, pts=",".join(pts))
    event = meddra_picker.event(s, event, params)  # SMQ / HLT / SOC terms, when the store holds MedDRA

    sb.header("Filters")
    years = sb.slider("Year received", 1990, date.today().year,
                      (int(_param("year_from", "1990")), int(_param("year_to", str(date.today().year)))),
                      key="years")
    sexes = sb.multiselect("Sex", ["F", "M"], default=[x for x in _listed("sex") if x in ("F", "M")], key="sex")
    bands = list(defs.settings.age_bands)
    age = sb.multiselect("Age band (adjacent)", bands, default=[b for b in _listed("age") if b in bands], key="age")
    countries = sb.multiselect("Reporter country", country_vocabulary(s),
                               default=[c for c in _listed("country") if c in country_vocabulary(s)], key="country")
    reporters = sb.multiselect("Reporter", ["MD", "PH", "OT", "HP", "CN", "LW"],
                               default=[r for r in _listed("reporter") if r in ("MD", "PH", "OT", "HP", "CN", "LW")],
                               key="reporter")
    rtypes = sb.multiselect("Report type", ["EXP", "PER", "DIR", "5DAY", "30DAY"],
                            default=[r for r in _listed("rept") if r in ("EXP", "PER", "DIR", "5DAY", "30DAY")],
                            key="rept")
    serious = sb.checkbox("Serious cases only", value=_param("serious") == "1", key="serious")
    codes = ["DE", "LT", "HO", "DS", "CA", "RI", "OT"]
    outcomes = sb.multiselect("With outcome", codes, default=[o for o in _listed("outcome") if o in codes],
                              key="outcome")
    outbreak = sb.checkbox("Exclude the 2012–2013 compounding outbreak", value=_param("outbreak") == "1",
                           key="outbreak")
    dups = sb.checkbox("Exclude probable duplicates", value=_param("dups") == "1", key="dups",
                       help="Cases that share a full event date, age, sex, country, drugs and reactions with an "
                            "earlier case. Flagged, and kept unless excluded here.")
    filters = Filters(
        received_from=date(years[0], 1, 1) if years[0] > 1990 else None,
        received_to=date(years[1], 12, 31) if years[1] < date.today().year else None,
        sexes=tuple(sexes), age_bands=tuple(age), countries=tuple(countries), occupations=tuple(reporters),
        report_types=tuple(rtypes), serious_only=serious, outcome_codes=tuple(outcomes), exclude_outbreak=outbreak,
        exclude_probable_duplicates=dups)
    params.update(year_from=str(years[0]), year_to=str(years[1]), sex=",".join(sexes), age=",".join(age),
                  country=",".join(countries), reporter=",".join(reporters), rept=",".join(rtypes),
                  serious="1" if serious else "", outcome=",".join(outcomes), outbreak="1" if outbreak else "",
                  dups="1" if dups else "")
    _write_params(params)
    selection = Selection(exposure=exposure, event=event, filters=filters)
    try:
        from explorer.selection import validate

        validate(selection, s.definitions)
    except ExplorerError as e:
        st.error(str(e))
        st.stop()
    return selection


def _write_params(params: dict[str, str]) -> None:
    """Keep the selection in the URL so that a copied link reopens the same view (empty values are dropped)."""
    wanted = {k: v for k, v in params.items() if v}
    current = {k: st.query_params[k] for k in st.query_params}
    if {k: v for k, v in current.items() if k in params or k not in wanted} != wanted:
        for k in list(st.query_params):
            if k in params and k not in wanted:
                del st.query_params[k]
        st.query_params.update(wanted)


def describe(selection: Selection) -> str:
    parts = []
    if selection.exposure:
        parts.append(selection.exposure.describe())
    if selection.event:
        parts.append(f"event {selection.event.describe()}")
    return "; ".join(parts) or "all current cases"


@st.cache_data(show_spinner=False)
def _vocab(path: str, key: tuple, sql: str) -> list[str]:
    con = analysis.Store.open(path)
    try:
        return [r[0] for r in con.con.execute(sql).fetchall() if r[0]]
    finally:
        con.close()


def ingredient_vocabulary(s: analysis.Store) -> list[str]:
    return _vocab(str(s.path), st.session_state["_store_key"],
                  "SELECT ingredient FROM ingredient_vocab ORDER BY n_drug_rows DESC, ingredient LIMIT 20000")


def route_vocabulary(s: analysis.Store) -> list[str]:
    return _vocab(str(s.path), st.session_state["_store_key"],
                  "SELECT route_canonical FROM route_vocab ORDER BY n_drug_rows DESC, route_canonical")


def pt_vocabulary(s: analysis.Store) -> list[str]:
    return _vocab(str(s.path), st.session_state["_store_key"],
                  "SELECT pt_name FROM pt_vocab ORDER BY n_cases DESC, pt_key LIMIT 30000")


def country_vocabulary(s: analysis.Store) -> list[str]:
    return _vocab(str(s.path), st.session_state["_store_key"],
                  "SELECT country FROM cases WHERE country IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC")


# ---- downloads ---------------------------------------------------------------------------------------------------

def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "export"


def chart_downloads(fig, name: str, key: str) -> None:
    """PNG (300 dpi), SVG and PDF of a chart, made on demand."""
    cols = st.columns(3)
    for col, fmt in zip(cols, ("png", "svg", "pdf"), strict=True):
        mime = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}[fmt]
        col.download_button(f"{fmt.upper()}", data=lambda fmt=fmt: export.figure_bytes(fig, fmt),
                            file_name=f"{_slug(name)}.{fmt}", mime=mime, key=f"{key}-{fmt}", on_click="ignore")


def table_downloads(frame: pd.DataFrame, name: str, cap: str, synthetic: bool, key: str) -> None:
    """CSV and XLSX of a table, with the caption (and the synthetic notice)."""
    c1, c2 = st.columns(2)
    c1.download_button("CSV", data=export.csv_bytes(frame, cap, synthetic), file_name=f"{_slug(name)}.csv",
                       mime="text/csv", key=f"{key}-csv", on_click="ignore")
    c2.download_button("XLSX", data=lambda: export.xlsx_bytes(frame, cap, synthetic), file_name=f"{_slug(name)}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}-xlsx",
                       on_click="ignore")


def caption_for(s: analysis.Store, selection: Selection, synthetic: bool) -> str:
    _, notice = s.notice()
    return charts.caption(notice, quarters_label(s), describe(selection), selection.filters.describe(), synthetic)



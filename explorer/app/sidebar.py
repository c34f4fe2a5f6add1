"""The sidebar: exposure, event, comparator and every filter, seeded from the session's view and written back to it.

Each widget's key is ``w:<view name>``; a widget that does not exist yet (first run, another page, a reseed) is
seeded from the view, so the view, not the widget, holds the selection.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import cast

import streamlit as st

from explorer import codes, query
from explorer.app import db, meddra_picker, state
from explorer.codes import OUTCOMES, REPORT_TYPES, REPORTERS, SEXES
from explorer.definitions import Definitions, ingredient_exposure
from explorer.selection import Filters, Selection, event_of, validate
from explorer.store.reader import Store

# ---- look-ups, cached per version of the database file --------------------------------------------------------
# Kept as the objects themselves (tuples, never changed): every rerun reads them, and a copy of the PT vocabulary
# from st.cache_data would be unpickled on each one.

@st.cache_resource(show_spinner=False, max_entries=64)
def _lookup(path: str, key: tuple, name: str) -> tuple:
    with db.one_off_store() as s:
        return tuple(r[0] for r in query.run(s.con, name).itertuples(index=False) if r[0] is not None)


@st.cache_resource(show_spinner=False, max_entries=16)
def _row(path: str, key: tuple, name: str) -> tuple:
    with db.one_off_store() as s:
        frame = query.run(s.con, name)
    return tuple(None if v != v else v for v in frame.iloc[0].tolist()) if len(frame) else ()


def lookup(name: str) -> tuple:
    """The first column of a named query over the current database file (cached until the file changes)."""
    path = db.db_path()
    return _lookup(path=str(path), key=db.file_key(path), name=name)


def row(name: str) -> tuple:
    """The first row of a named query over the current database file (cached until the file changes)."""
    path = db.db_path()
    return _row(path=str(path), key=db.file_key(path), name=name)


def year_bounds() -> tuple[int, int]:
    """First and last year received in the data (the slider's ends)."""
    first, last = row("app_year_range") or (None, None)
    this_year = date.today().year
    first, last = int(first or this_year), int(last or this_year)
    return first, max(last, first + 1)  # a slider needs two different ends


def quarters_label() -> str:
    """'2004q1–2025q4' for the loaded quarters ('none' before any load)."""
    lo, hi = row("app_quarter_range") or (None, None)
    return f"{lo}–{hi}" if lo else "none"


# ---- the view -> the Selection (no widgets) ---------------------------------------------------------------------

def selection_from_view(v: dict, defs: Definitions, years: tuple[int, int]) -> tuple[Selection, str]:
    """The selection a view names, and '' or what is missing (an ingredient mode without an ingredient).

    Unknown names (a preset or group renamed since a link was copied) are dropped rather than guessed.
    """
    missing = ""
    exposure = None
    if v["exposure_mode"] == "preset" and v["exposure"] in defs.exposures:
        exposure = defs.exposure(v["exposure"])
    elif v["exposure_mode"] == "preset":
        missing = f"the exposure preset {v['exposure']!r} is not defined; choose a preset"
    elif v["exposure_mode"] == "ingredient":
        if v["ingredient"]:
            exposure = ingredient_exposure(v["ingredient"], v["route"] or None)
        else:
            missing = "choose an ingredient in the sidebar (type to search)"
    if exposure is not None:
        exposure = exposure.with_options(strict_route=v["strict"], any_role=v["any_role"])
    event = event_of(defs.event(v["event_group"]) if v["event_group"] in defs.events else None, v["pts"])
    lo, hi = years
    y0, y1 = v["year_from"] or lo, v["year_to"] or hi
    filters = Filters(
        received_from=date(y0, 1, 1) if y0 > lo else None, received_to=date(y1, 12, 31) if y1 < hi else None,
        sexes=tuple(x for x in v["sex"] if x in SEXES), age_bands=tuple(v["age"]),
        countries=tuple(v["country"]), occupations=tuple(x for x in v["reporter"] if x in REPORTERS),
        report_types=tuple(x for x in v["rept"] if x in REPORT_TYPES), serious_only=v["serious"],
        outcome_codes=tuple(x for x in v["outcome"] if x in OUTCOMES), exclude_outbreak=v["outbreak"],
        exclude_probable_duplicates=v["dups"])
    sel = Selection(exposure=exposure, event=event, filters=filters)
    if v["comparator"] in defs.exposures and exposure is not None and v["comparator"] != getattr(exposure, "name", ""):
        sel = replace(sel, comparator=defs.exposure(v["comparator"]))
    return sel, missing


def summary(sel: Selection) -> str:
    """One line: exposure, event, comparator and the active filters."""
    event = "none"
    if sel.event is not None:
        n = len(sel.event.pts)
        event = sel.event.title + (f" ({n} PTs)" if n > 1 else "")
    parts = [f"**Exposure:** {sel.exposure.title if sel.exposure else 'none (all cases)'}", f"**Event:** {event}"]
    if sel.comparator is not None:
        parts.append(f"**Comparator:** {sel.comparator.title}")
    f = sel.filters.describe()
    parts.append(f"**Filters:** {f or 'none'}")
    return " · ".join(parts)


# ---- widgets ------------------------------------------------------------------------------------------------------

def _options(values, allowed) -> list:
    return [x for x in values if x in allowed]


def render(v: dict, s: Store, need_exposure: bool) -> None:
    """Draw the sidebar's widgets and write their values into the view ``v``."""
    defs = s.definitions
    sb = st.sidebar
    sb.header("Selection")
    modes = ["preset", "ingredient"] + ([] if need_exposure else ["none"])
    if v["exposure_mode"] not in modes:
        v["exposure_mode"] = "preset"
        state.reseed_widgets(["exposure_mode"], force=True)
    v["exposure_mode"] = sb.radio("Exposure", modes, horizontal=True,
                                  **state.seed("exposure_mode", v["exposure_mode"], modes, "index"),
                                  format_func={"preset": "Preset", "ingredient": "Ingredient",
                                               "none": "None (all cases)"}.get)
    if v["exposure_mode"] == "preset":
        presets = sorted(defs.exposures)
        v["exposure"] = sb.selectbox("Preset", presets, **state.seed("exposure", v["exposure"] if v["exposure"] in
                                                                     presets else presets[0], presets, "index"),
                                     format_func=lambda n: defs.exposures[n].title, help="Exposure definitions live "
                                     "in queries/definitions/exposures.toml")
    elif v["exposure_mode"] == "ingredient":
        vocab = lookup("app_ingredient_vocab")
        known = v["ingredient"] if v["ingredient"] in vocab else None
        v["ingredient"] = sb.selectbox("Ingredient", vocab, placeholder="type to search",
                                       **state.seed("ingredient", known, vocab, "index")) or ""
        routes = ["", *lookup("app_route_vocab")]
        v["route"] = sb.selectbox("Route (optional)", routes, format_func=lambda r: r or "(any)",
                                  **state.seed("route", v["route"] if v["route"] in routes else "", routes, "index"))
    if v["exposure_mode"] != "none":
        v["strict"] = sb.checkbox("Route field only (strict)", **state.seed("strict", v["strict"]))
        v["any_role"] = sb.checkbox("Any drug role (not only PS/SS)", **state.seed("any_role", v["any_role"]))

    groups = ["", *sorted(defs.events)]
    v["event_group"] = sb.selectbox("Event group", groups, **state.seed("event_group", v["event_group"] if
                                                                         v["event_group"] in groups else "", groups,
                                                                         "index"),
                                    format_func=lambda n: defs.events[n].title if n else "(none)")
    pt_vocab = lookup("app_pt_vocab")
    pt_set = set(pt_vocab)
    v["pts"] = tuple(sb.multiselect("…or preferred terms", pt_vocab, placeholder="type to search PTs",
                                    **state.seed("pts", _options(v["pts"], pt_set), pt_set, "default")))
    meddra_picker.render(v, s)  # SMQ / HLT / SOC, when the store holds MedDRA

    sb.header("Filters")
    lo, hi = year_bounds()
    st.session_state["_year_bounds"] = (lo, hi)
    y0 = min(max(v["year_from"] or lo, lo), hi)
    y1 = max(min(v["year_to"] or hi, hi), y0)
    held = st.session_state.get(state.widget_key("years"))
    if held is not None and not (lo <= held[0] <= held[1] <= hi):  # the data's years changed with a load
        state.reseed_widgets(["years"], force=True)
    years = cast("tuple[int, int]", sb.slider("Year received", lo, hi, **state.seed("years", (y0, y1))))
    v["year_from"], v["year_to"] = (years[0] if years[0] > lo else 0), (years[1] if years[1] < hi else 0)
    v["sex"] = tuple(sb.multiselect("Sex", SEXES, **state.seed("sex", _options(v["sex"], SEXES), SEXES, "default"),
                                    format_func=lambda c: codes.label("sex", c)))
    bands = list(defs.settings.age_bands)
    v["age"] = tuple(sb.multiselect("Age band (adjacent)", bands,
                                    **state.seed("age", _options(v["age"], bands), bands, "default")))
    countries = lookup("app_country_vocab")
    country_set = set(countries)
    v["country"] = tuple(sb.multiselect("Reporter country", countries,
                                        **state.seed("country", _options(v["country"], country_set), country_set,
                                                     "default")))
    v["reporter"] = tuple(sb.multiselect("Reporter", REPORTERS, **state.seed("reporter", _options(v["reporter"],
                                                                                                 REPORTERS),
                                                                               REPORTERS, "default"),
                                         format_func=lambda c: codes.meaning("occp_cod", c)))
    v["rept"] = tuple(sb.multiselect("Report type", REPORT_TYPES, **state.seed("rept", _options(v["rept"],
                                                                                               REPORT_TYPES),
                                                                               REPORT_TYPES, "default"),
                                     format_func=lambda c: codes.meaning("rept_cod", c)))
    v["serious"] = sb.checkbox("Serious cases only", **state.seed("serious", v["serious"]))
    v["outcome"] = tuple(sb.multiselect("With outcome", OUTCOMES, **state.seed("outcome", _options(v["outcome"],
                                                                                                  OUTCOMES),
                                                                                OUTCOMES, "default"),
                                        format_func=lambda c: codes.meaning("outc_cod", c)))
    v["outbreak"] = sb.checkbox("Exclude the 2012–2013 compounding outbreak", **state.seed("outbreak", v["outbreak"]))
    v["dups"] = sb.checkbox("Exclude probable duplicates", **state.seed("dups", v["dups"]),
                            help="Cases that share a full event date, age, sex, country, drugs and reactions with an "
                                 "earlier case. Flagged, and kept unless excluded here.")


def selection(v: dict, s: Store, need_exposure: bool = True) -> tuple[Selection, str]:
    """Draw the sidebar, then return the view's selection (validated) and what is missing from it ('' if nothing).

    Raises:
        ExplorerError: a filter value is invalid (non-adjacent age bands); the page's error boundary shows it.
    """
    render(v, s, need_exposure)
    sel, missing = selection_from_view(v, s.definitions, year_bounds())
    sel = meddra_picker.apply(v, s, sel)
    validate(sel, s.definitions)
    return sel, missing

"""The one selection of a session: kept in ``st.session_state``, mirrored in the URL by :func:`sync_url`.

The view is a flat dict of named values (exposure, event, filters, comparator, and each page's own state such as
the listing page and the open case). Every page calls :func:`view` at its start, which reads the URL once per
session (or when the URL holds other values than this session last wrote, as after the browser's back button), and
:func:`sync_url` at its end, which writes the whole view back. Widgets never hold the truth: each one is seeded
from the view when it is (re)created and writes its value back to the view (:mod:`explorer.app.sidebar`), so a
page switch, which drops the previous page's widgets, cannot lose the selection.

A widget the browser does not hold yet (a new session, a page's first run) is seeded through its own default
argument (:func:`seed`), so it goes to the browser as it will be sent again on the next run, and a filter change
redraws only what it changes. A widget the browser already holds with another value (the URL edited or the back
button on the same page, a value set from a button or callback, a value no longer among the options) is seeded
through ``st.session_state``, the one way to make the browser show a new value.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import streamlit as st

VIEW_KEY = "_view"
WRITTEN_KEY = "_view_written"
SIGNATURE_KEY = "_view_signature"
FORCED_KEY = "_view_forced"  # view names whose widgets the browser must be told to show the view's value


@dataclass(frozen=True)
class Param:
    """One value of the view: its kind (str, int, bool, list), default, and the page it belongs to ('' = all)."""

    kind: str
    default: object
    page: str = ""


PARAMS: dict[str, Param] = {
    # the selection, shared by every page
    "exposure_mode": Param("str", "preset"),
    "exposure": Param("str", "esi"),
    "ingredient": Param("str", ""),
    "route": Param("str", ""),
    "strict": Param("bool", False),
    "any_role": Param("bool", False),
    "event_group": Param("str", ""),
    "pts": Param("list", ()),
    # MedDRA terms (explorer.app.meddra_picker), by code: an SMQ with its scope, HLTs, SOCs
    "smq": Param("str", ""), "scope": Param("str", "narrow"), "hlt": Param("list", ()), "soc": Param("list", ()),
    "year_from": Param("int", 0),
    "year_to": Param("int", 0),
    "sex": Param("list", ()),
    "age": Param("list", ()),
    "country": Param("list", ()),
    "reporter": Param("list", ()),
    "rept": Param("list", ()),
    "serious": Param("bool", False),
    "outcome": Param("list", ()),
    "outbreak": Param("bool", False),
    "dups": Param("bool", False),
    "comparator": Param("str", ""),
    # page state
    "sort": Param("str", "received_date", "cases"),
    "desc": Param("bool", True, "cases"),
    "size": Param("int", 50, "cases"),
    "page": Param("int", 1, "cases"),
    "case": Param("str", "", "cases"),
    "tab": Param("str", "pair", "signals"),
    "measure": Param("str", "ror", "signals"),
    "rank": Param("str", "eb05", "signals"),
    "min_a": Param("int", 3, "signals"),
    "search": Param("str", "", "signals"),
    "review": Param("bool", False, "signals"),
    "compare": Param("bool", False, "onset"),
}
# the values that define which cases are shown: a change resets the listing page and closes the open case
SELECTION_KEYS = tuple(k for k, p in PARAMS.items() if not p.page)


def parse(params: Mapping[str, str]) -> dict:
    """A view from URL parameters: unknown names are ignored, bad values fall back to the default."""
    out = defaults()
    for name, p in PARAMS.items():
        raw = params.get(name)
        if raw is None or not isinstance(raw, str):
            continue
        if p.kind == "str":
            out[name] = raw
        elif p.kind == "bool":
            out[name] = raw in ("1", "true", "yes")
        elif p.kind == "int":
            with contextlib.suppress(ValueError):
                out[name] = int(raw)
        else:
            out[name] = tuple(v for v in raw.split(",") if v)
    return out


def encode(view: Mapping, page: str | None = None) -> dict[str, str]:
    """URL parameters for a view: values that differ from their default, of every page or of ``page`` only.

    ``exposure_mode`` is always written (and ``exposure`` with a preset), so that a link names its exposure.
    """
    out: dict[str, str] = {}
    for name, p in PARAMS.items():
        if page is not None and p.page and p.page != page:
            continue
        value = view.get(name, p.default)
        if value == p.default and name != "exposure_mode" and not (name == "exposure" and
                                                                    view.get("exposure_mode") == "preset"):
            continue
        if p.kind == "bool":
            out[name] = "1" if value else "0"
        elif p.kind == "list":
            out[name] = ",".join(value)
        else:
            out[name] = str(value)
    return out


def defaults() -> dict:
    """The view of a new session without URL parameters."""
    return {name: p.default for name, p in PARAMS.items()}


def signature(view: Mapping) -> str:
    """A short digest of the values that decide which cases are shown."""
    blob = json.dumps([view.get(k) for k in SELECTION_KEYS], default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def _url_params() -> dict[str, str]:
    return {k: st.query_params[k] for k in st.query_params}


def view(page: str = "") -> dict:
    """This session's view, read from the URL at the session's start (or when the URL was changed by the user).

    On the first run of another page the widgets are seeded from the view again (Streamlit does not carry a
    widget's value from one page to the next, even under the same key).
    """
    state = st.session_state
    url = {k: v for k, v in _url_params().items() if k in PARAMS}
    if VIEW_KEY not in state or (url and url != state.get(WRITTEN_KEY)):
        current = state.get(VIEW_KEY)
        fresh = parse(url)
        if current is not None:  # a changed URL (back button, an edited link): pages' own values survive if absent
            for name, p in PARAMS.items():
                if p.page and name not in url:
                    fresh[name] = current.get(name, p.default)
        state[VIEW_KEY] = fresh
        # a new session's browser holds no widget; this session's may hold the old values on this very page
        reseed_widgets(force=current is not None)
    v = state[VIEW_KEY]
    _pull_widgets(v)
    if state.get("_page") != page:
        # another page's widgets are other widgets (Streamlit keys them by page too); the browser dropped this
        # page's when the last run of another page finished
        reseed_widgets()
        state["_page"] = page
    sig = signature(v)
    if state.get(SIGNATURE_KEY) not in (None, sig):
        v["page"], v["case"] = 1, ""  # another selection: back to page 1, the open case closed
    state[SIGNATURE_KEY] = sig
    return v


def _pull_widgets(v: dict) -> None:
    """Take the values of widgets the user changed since the last run, so that the whole run sees them."""
    for name, p in PARAMS.items():
        key = widget_key(name)
        if key not in st.session_state:
            continue
        value = st.session_state[key]
        if p.kind == "list":
            v[name] = tuple(value or ())
        elif p.kind == "str":
            v[name] = value or ""
        elif p.kind == "int":
            v[name] = int(value) if value is not None else p.default
        else:
            v[name] = bool(value)
    years = st.session_state.get(widget_key("years"))
    if isinstance(years, (tuple, list)) and len(years) == 2 and "_year_bounds" in st.session_state:
        lo, hi = st.session_state["_year_bounds"]
        v["year_from"], v["year_to"] = (years[0] if years[0] > lo else 0), (years[1] if years[1] < hi else 0)


def seed(name: str, value, options=None, arg: str = "value") -> dict:
    """The keyword arguments of the widget that edits view value ``name``, seeded with ``value``.

    Its key, and ``value`` as the widget's own default argument ``arg`` ("value", "default", or "index": then
    ``value`` is one of ``options``, or None for no choice, and its position is passed). A widget takes its default
    only when it is created; the default is passed on every run (the view's value, which is the widget's own once
    it exists), so the widget goes to the browser unchanged while its value does not change. A widget whose browser
    value must change (see the module's docstring), or that holds a value no longer among ``options`` (a comparator
    equal to the new exposure), is seeded through ``st.session_state`` instead, without a default.
    """
    key = widget_key(name)
    state = st.session_state
    if key in state and options is not None:
        held = state[key]
        values = held if isinstance(held, (list, tuple)) else [held]
        if any(x not in options for x in values if x is not None):
            del state[key]
            _forced().add(name)
    if key not in state and name in _forced():
        _forced().discard(name)
        state[key] = value  # the widget takes it, and the browser is told to show it
        return {"key": key}  # (a default beside it would be ignored, with a warning in the log)
    if arg == "index":
        return {"key": key, "index": None if value is None else list(options or ()).index(value)}
    return {"key": key, arg: value}


def _forced() -> set:
    return st.session_state.setdefault(FORCED_KEY, set())


def update(**values) -> None:
    """Change view values from a callback or before the widgets are drawn (the landing's buttons); widgets follow."""
    v = st.session_state.setdefault(VIEW_KEY, defaults())
    v.update(values)
    reseed_widgets(values, force=True)


def reseed_widgets(names: Iterable[str] | None = None, force: bool = False) -> None:
    """Forget the widget values of these view names (all by default), so widgets are seeded from the view again;
    ``force``: through ``st.session_state``, for widgets the browser may hold with other values."""
    names = list(names or PARAMS)
    if "year_from" in names or "year_to" in names:
        names.append("years")  # both ends are one slider
    for name in names:
        st.session_state.pop(widget_key(name), None)
        if force:
            _forced().add(name)
        else:
            _forced().discard(name)


def widget_key(name: str) -> str:
    """The session-state key of the widget that edits view value ``name``."""
    return f"w:{name}"


def sync_url(page: str) -> None:
    """Write the view to the URL (only when it differs), so that a copied link reopens exactly this view."""
    wanted = encode(st.session_state[VIEW_KEY], page)
    current = _url_params()
    if {k: v for k, v in current.items() if k in PARAMS} != wanted:
        for k in list(current):
            if k in PARAMS and k not in wanted:
                del st.query_params[k]
        st.query_params.update(wanted)
    st.session_state[WRITTEN_KEY] = wanted

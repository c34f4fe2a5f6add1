"""Every page's frame: tab title, the store for this rerun, the banner, the sidebar, the one-line summary, the URL,
and one error boundary around the page body, so that no traceback ever reaches a user."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from explorer import query
from explorer.app import db, sidebar, state
from explorer.errors import ExplorerError
from explorer.report import charts
from explorer.selection import Selection
from explorer.store.reader import Store

log = logging.getLogger(__name__)
APP_TITLE = "FAERS signal explorer"
_frozen_after: set[str] = set()  # the pages after whose first run in this process the heap was frozen


@dataclass
class Page:
    """What a page body receives."""

    name: str
    store: Store
    view: dict
    selection: Selection | None
    missing: str
    synthetic: bool

    @property
    def sel(self) -> Selection:
        """The sidebar's selection, on a page run with one (see :func:`run`)."""
        if self.selection is None:
            raise RuntimeError(f"page {self.name} was run without the sidebar's selection")
        return self.selection

    def caption(self, what: str = "") -> str:
        """The caption of any chart or table of this page: source, quarters, deduplication, selection, filters,
        the MedDRA version of the terms."""
        _, notice = db.notice(self.store)
        sel = self.selection
        definition = what or (describe(sel) if sel is not None else "all current cases")
        filters = sel.filters.describe() if sel is not None else ""
        return charts.caption(notice, sidebar.quarters_label(), definition, filters, self.synthetic,
                              db.meddra_label(self.store))


def describe(sel: Selection) -> str:
    """The selection in words (for captions)."""
    parts = []
    if sel.exposure:
        parts.append(sel.exposure.describe())
    if sel.event:
        parts.append(f"event {sel.event.describe()}")
    if sel.comparator:
        parts.append(f"comparator {sel.comparator.title}")
    return "; ".join(parts) or "all current cases"


def one_line(error: BaseException) -> str:
    """A user-facing sentence for an error: ours as they are, others by kind and first line."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, ExplorerError):
        return text
    if isinstance(error, FileNotFoundError):
        return (f"No database at {db.db_path()}. Load data first: python -m explorer demo "
                "(or python -m explorer load ...).")
    if isinstance(error, duckdb.Error):
        return f"The database could not answer ({type(error).__name__}: {text[:200]}). Try again or reload the page."
    return f"Something went wrong ({type(error).__name__}: {text[:200]}). Change the selection or reload the page."


def run(name: str, title: str, body: Callable[[Page], None], *, selection: bool = True,
        need_exposure: bool = True) -> None:
    """Run one page: everything inside an error boundary that shows a one-line message instead of a traceback.

    Args:
        name: the page's url path (its page-specific view values are written to the URL).
        title: the page's heading and tab title.
        body: draws the page.
        selection: whether the page has the sidebar selection.
        need_exposure: whether the exposure mode "none" is offered.
    """
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", layout="wide")
    st.title(title)
    try:
        v = state.view(name)
        with db.rerun_store(st.session_state) as s:
            synthetic, _ = db.notice(s)
            if synthetic:
                st.warning("**Synthetic demo data — not FDA data.** Every number on this page is made up by the "
                           "generator.", icon="⚠️")
            if selection:
                sel, missing = sidebar.selection(v, s, need_exposure)
                st.caption(sidebar.summary(sel))
            else:  # the summary still says what the other pages show; this page does not apply it
                sel, missing = sidebar.selection_from_view(v, s.definitions, sidebar.year_bounds())
                st.caption(sidebar.summary(sel) + " — *not applied on this page*")
            state.sync_url(name)
            body(Page(name, s, v, sel if selection else None, missing, synthetic))
            state.sync_url(name)
    except ScriptControlException:  # st.rerun / st.stop / a newer rerun: Streamlit's own control flow
        raise
    except Exception as e:  # noqa: BLE001 - the boundary: every error becomes one line
        log.exception("page %s failed", name)
        st.error(one_line(e))
    _freeze_heap(name)


def _freeze_heap(name: str) -> None:
    """After the first run of each page in this process, the objects alive then (the modules of Python, Streamlit,
    pandas, plotly, DuckDB and whatever that page first imported: some 140,000) are moved out of the cyclic garbage
    collector's sight (``gc.freeze``).

    Streamlit's collection after every run is off (``explorer/app/.streamlit/config.toml``), but Python still runs a
    full collection every so many reruns, and one over those objects holds the GIL for 0.1-0.2 s of that rerun on
    this machine; over what the app made since, a few ms. Frozen objects are still freed when their last reference
    goes; only a reference cycle among them is never collected (at most one page's first run's worth, per page).
    """
    if name not in _frozen_after:
        _frozen_after.add(name)
        gc.collect()
        gc.freeze()


def run_query(page: Page, name: str, **params):
    """A named query on the page's cursor (no selection bound)."""
    return query.run(page.store.con, name, **params)

"""Compatibility for pages not yet on :mod:`explorer.app.page` (the claim check): the store, banner, look-ups and
downloads, now owned by the small components ``db``, ``state``, ``sidebar`` and ``downloads``."""

from __future__ import annotations

import contextlib

import pandas as pd
import streamlit as st

from explorer.app import db, downloads, sidebar
from explorer.errors import ExplorerError
from explorer.report import charts  # noqa: F401 - pages read common.charts.caption
from explorer.store.reader import Store

db_path = db.db_path


def store() -> Store:
    """A store on a cursor of this rerun's own (the previous rerun's cursor of this session is closed)."""
    old = st.session_state.pop("_common_cursor", None)
    if old is not None:
        with contextlib.suppress(Exception):
            db.REGISTRY.release(old, keep=False)
    try:
        cur, _ = db.REGISTRY.acquire(db.db_path(), None)
    except FileNotFoundError:
        st.error(f"No database at {db.db_path()}. Load data first: python -m explorer demo (or load ...).")
        st.stop()
    except ExplorerError as e:
        st.error(str(e))
        st.stop()
    st.session_state["_common_cursor"] = cur
    from explorer.definitions import load_definitions

    return Store(cur.con, db.db_path(), load_definitions())


def banner(s: Store) -> bool:
    """Show the synthetic-data banner when synthetic data are loaded; return whether they are."""
    synthetic, _ = s.notice()
    if synthetic:
        st.warning("**Synthetic demo data — not FDA data.** Every number on this page is made up by the generator.",
                   icon="⚠️")
    return synthetic


def pt_vocabulary(s: Store) -> list[str]:
    """The PTs of the loaded reactions, most frequent first."""
    return list(sidebar.lookup("app_pt_vocab"))


def table_downloads(frame: pd.DataFrame, name: str, cap: str, synthetic: bool, key: str) -> None:
    """CSV and XLSX of a table (see :func:`explorer.app.downloads.table`)."""
    downloads.table(frame, name, cap, synthetic, key)

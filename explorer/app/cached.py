"""Answers cached per (database file version, selection): a filter toggled back, or a page revisited, is not
recomputed. The key is the file's (inode, mtime, size) and the selection's ``query_id``, so a load that replaces the
file, or any change of exposure, event, comparator or filter, is a new key."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from explorer import analysis
from explorer.app import db
from explorer.selection import Selection


@st.cache_data(max_entries=256, show_spinner=False)
def _cached(name: str, path: str, version: tuple, query_id: str, args: tuple, _fn: Callable, _store, _sel):
    return _fn(_store, _sel, *args)


def call(fn: Callable, store: analysis.Store, selection: Selection, *args):
    """``fn(store, selection, *args)``, from the cache when this file version and selection were answered before."""
    path = store.path
    return _cached(f"{fn.__module__}.{fn.__qualname__}", str(path), db.file_key(path), selection.query_id(), args,
                   _fn=fn, _store=store, _sel=selection)


@st.cache_data(max_entries=128, show_spinner=False)
def _figure(name: str, args: tuple, kwargs: dict, _fn: Callable):
    return _fn(*args, **kwargs)


def figure(fn: Callable, *args, **kwargs):
    """A chart built by ``fn(*args, **kwargs)`` (DataFrames, captions, flags), cached by its inputs' content."""
    return _figure(f"{fn.__module__}.{fn.__qualname__}", args, kwargs, _fn=fn)

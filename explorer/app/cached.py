"""Answers and charts cached per (database file version, selection): a filter toggled back, or a page revisited, is
not recomputed. The key is the file's (inode, mtime, size) and the selection's ``query_id``, so a load that replaces
the file, or any change of exposure, event, comparator or filter, is a new key."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from explorer.app import db
from explorer.selection import Selection
from explorer.store.reader import Store

_ANSWERED: set[tuple] = set()  # keys answered in this process: a spinner is shown only for the others
_MAX_ANSWERED = 4096


# Streamlit's caches are called with keyword arguments: a positional one costs an inspect.signature of the function
# on every call, to name it in the key.
@st.cache_data(max_entries=256, show_spinner=False)
def _cached(name: str, path: str, version: tuple, query_id: str, args: tuple, _fn: Callable, _store, _sel):
    return _fn(_store, _sel, *args)


def call(fn: Callable, store: Store, selection: Selection, *args, spinner: str = ""):
    """``fn(store, selection, *args)``, from the cache when this file version and selection were answered before.

    Args:
        spinner: a message shown while the answer is computed (never when it comes from the cache; a spinner's timer
            thread costs a filter change served from the cache 10-20 ms on a busy machine).
    """
    name, path, version, query_id = (f"{fn.__module__}.{fn.__qualname__}", str(store.path), db.file_key(store.path),
                                     selection.query_id())

    def answer():
        return _cached(name=name, path=path, version=version, query_id=query_id, args=args, _fn=fn, _store=store,
                       _sel=selection)

    seen = (name, path, version, query_id, args)
    if not spinner or seen in _ANSWERED:
        return answer()
    with st.spinner(spinner):
        result = answer()
    if len(_ANSWERED) >= _MAX_ANSWERED:
        _ANSWERED.clear()
    _ANSWERED.add(seen)
    return result


@st.cache_resource(max_entries=128, show_spinner=False)
def _chart(name: str, path: str, version: tuple, query_id: str, key: tuple, _build: Callable):
    return _build()


def chart(name: str, store: Store, selection: Selection, key: tuple, build: Callable):
    """The figure ``build()`` makes for this file version and selection, built once.

    A filter toggled back, or a page revisited, gets the figure object itself: no DataFrame is hashed to find it and
    no figure is unpickled (plotly validates every property again when it unpickles one). Figures are never changed
    once built (``st.plotly_chart`` and the exports copy them), so one object can serve every session.

    Args:
        name: which chart of the page.
        key: everything else the figure depends on (caption, synthetic flag, measure, ...), hashable and small.
    """
    path = store.path
    return _chart(name=name, path=str(path), version=db.file_key(path), query_id=selection.query_id(), key=key,
                  _build=build)

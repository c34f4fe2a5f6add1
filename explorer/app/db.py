"""The dashboard's connections: one process-wide registry of open stores, one cursor per rerun.

Two rules, each from a bug that reached users:

* A rerun never shares a connection with another rerun. A session keeps one cursor (its bound selection stays cached
  on it), but a rerun that finds it busy (an earlier rerun of the same session still running its query) gets a cursor
  of its own for that rerun, closed at its end.
* A load that replaces the database file is seen by every session. The registry keys each open store by the file's
  (inode, mtime, size); when the file at the path changes it opens the new file in a new DuckDB instance and retires
  the old one: idle cursors are closed at once, busy ones when their rerun ends, and the old instance with its last
  cursor. Stores are opened with :func:`explorer.store.reader.connect_isolated` (an in-memory instance with the file
  attached), never through DuckDB's per-path instance cache, which would hand back the replaced file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from explorer.constants import DB_ENV, DEFAULT_DB
from explorer.definitions import load_definitions
from explorer.meddra import service as meddra_service
from explorer.store.reader import Store, connect_isolated, use_store

MAX_IDLE_CURSORS = 16  # kept cursors hold their session's bound selection (temp tables): keep the most recent only
log = logging.getLogger(__name__)
T = TypeVar("T")


def db_path() -> Path:
    """The database the dashboard reads (``$EXPLORER_DB``, default ``data/faers.duckdb``)."""
    return Path(os.environ.get(DB_ENV, DEFAULT_DB))


def file_key(path: Path) -> tuple[int, int, int]:
    """What identifies one version of the file at a path: (inode, mtime in ns, size).

    Raises:
        FileNotFoundError: no file at the path.
    """
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


@dataclass(eq=False)
class _Instance:
    """One open version of the database file: a DuckDB instance and the cursors handed out from it."""

    path: Path
    key: tuple[int, int, int]
    root: duckdb.DuckDBPyConnection
    cursors: set = field(default_factory=set)
    retired: bool = False


@dataclass(eq=False)
class Cursor:
    """A cursor of one instance; ``busy`` while a rerun uses it."""

    instance: _Instance
    con: duckdb.DuckDBPyConnection
    busy: bool = False
    closed: bool = False
    last_used: float = 0.0


class Registry:
    """Process-wide: the current instance per database path, and every cursor handed out."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._current: dict[str, _Instance] = {}

    def instance(self, path: Path) -> _Instance:
        """The open instance of the file now at ``path``; a changed file retires the old instance.

        Raises:
            FileNotFoundError: no file at the path.
            ExplorerError: the file is not a store of this version (see :func:`explorer.store.reader.connect`).
        """
        key = file_key(path)
        name = str(path.resolve())
        with self._lock:
            inst = self._current.get(name)
            if inst is not None and inst.key == key:
                return inst
            fresh = _Instance(path, key, connect_isolated(path))
            if inst is not None:
                log.info("database %s changed on disk: reopening it", path)
                self._retire(inst)
            self._current[name] = fresh
            return fresh

    def _retire(self, inst: _Instance) -> None:
        inst.retired = True
        for cur in list(inst.cursors):
            if not cur.busy:
                self._close(cur)
        self._close_if_done(inst)

    def _close(self, cur: Cursor) -> None:
        if not cur.closed:
            cur.closed = True
            with contextlib.suppress(Exception):
                cur.con.close()
        cur.instance.cursors.discard(cur)

    def _close_if_done(self, inst: _Instance) -> None:
        if inst.retired and not inst.cursors:
            with contextlib.suppress(Exception):
                inst.root.close()

    def new_cursor(self, inst: _Instance) -> Cursor:
        """A new cursor of an instance, its default catalog set to the store."""
        with self._lock:
            cur = Cursor(inst, use_store(inst.root.cursor()))
            inst.cursors.add(cur)
            return cur

    def acquire(self, path: Path, preferred: Cursor | None) -> tuple[Cursor, bool]:
        """A cursor for one rerun: ``preferred`` when it is idle and of the current file, else a new one.

        Returns:
            The cursor (marked busy) and whether it is new (the caller may keep a new one for later reruns).
        """
        inst = self.instance(path)
        with self._lock:
            if preferred is not None and not preferred.closed and not preferred.busy and preferred.instance is inst:
                preferred.busy = True
                return preferred, False
            if preferred is not None and not preferred.busy and not preferred.closed:
                self._close(preferred)  # of a replaced file
                self._close_if_done(preferred.instance)
        cur = self.new_cursor(inst)
        cur.busy = True
        return cur, True

    def release(self, cur: Cursor, keep: bool) -> None:
        """End a rerun's use of a cursor; close it unless kept (and always when its file was replaced)."""
        with self._lock:
            cur.busy = False
            cur.last_used = time.monotonic()
            if not keep or cur.instance.retired:
                self._close(cur)
                self._close_if_done(cur.instance)
                return
            idle = sorted((c for c in cur.instance.cursors if not c.busy), key=lambda c: c.last_used)
            for old in idle[:-MAX_IDLE_CURSORS]:  # sessions long gone, or idle the longest: they reopen if back
                self._close(old)

    def close_all(self) -> None:
        """Close every cursor and instance (tests)."""
        with self._lock:
            for inst in self._current.values():
                for cur in list(inst.cursors):
                    self._close(cur)
                inst.retired = True
                self._close_if_done(inst)
            self._current.clear()


REGISTRY = Registry()


@contextlib.contextmanager
def rerun_store(session: MutableMapping[str, Any] | Any) -> Iterator[Store]:
    """The store for one rerun of one session, on a cursor no other running rerun holds.

    Args:
        session: the session's state (``st.session_state``); its cursor is kept under ``_cursor``.

    Raises:
        FileNotFoundError: no database at the path.
        ExplorerError: the file cannot be read as a store.
    """
    path = db_path()
    preferred = session.get("_cursor")
    cur, new = REGISTRY.acquire(path, preferred)
    keep = new is False or preferred is None or preferred.closed or preferred.instance is not cur.instance
    if keep:
        session["_cursor"] = cur
    try:
        yield Store(cur.con, path, load_definitions())
    finally:
        REGISTRY.release(cur, keep=keep)


@contextlib.contextmanager
def one_off_store(path: Path | None = None) -> Iterator[Store]:
    """A store on a cursor of its own, closed at the end (for cached look-ups outside a rerun's cursor)."""
    cur, _ = REGISTRY.acquire(path or db_path(), None)
    try:
        yield Store(cur.con, path or db_path(), load_definitions())
    finally:
        REGISTRY.release(cur, keep=False)


# ---- facts of one version of the file, read once: every rerun shows them (banner, captions, the MedDRA picker) ----

_FACTS: dict[tuple, Any] = {}


def _once(store: Store, what: str, read: Callable[[], T]) -> T:
    key = (str(store.path), file_key(store.path), what)
    if key not in _FACTS:
        if len(_FACTS) > 64:  # versions of files long replaced
            _FACTS.clear()
        _FACTS[key] = read()
    return _FACTS[key]


def notice(store: Store) -> tuple[bool, str]:
    """The store's (is_synthetic, data notice), read once per version of the database file."""
    return _once(store, "notice", store.notice)


def meddra_label(store: Store) -> str | None:
    """The store's MedDRA version ('MedDRA 27.1 English', None without imported MedDRA), read once per version of
    the database file."""
    return _once(store, "meddra", lambda: meddra_service.version_label(store))

"""The load job: FAERS quarters into the store (ingest, the model, the scores), idempotent, atomic, nothing lost.

A load never writes into the live database. It copies it (if any) to a build file beside it, loads the new or
re-published quarters there, brings the deduplicated model up to date, and only then swaps the build file over the
live one with ``os.replace``. A failed or killed load leaves the previous database as it was; readers that have it
open keep their data, and new connections see the new file.

The model is brought up to date one of two ways (``LoadSummary.path`` says which, ``path_reason`` why): quarters
newer than every loaded one are added *incrementally* (``explorer.store.update``: only the cases they touch are
recomputed); anything else (a first load, a quarter older than the newest loaded, a re-published quarter, a store
of another model version, or ``rebuild=True``) rebuilds the whole model from the raw tables.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from explorer import __version__
from explorer.constants import DEFAULT_DB
from explorer.errors import DatabaseLockedError, InputError, StoreWriteError
from explorer.ingest.layouts import TABLES
from explorer.ingest.lines import JOINABLE, MAX_CASEID, READ_ERRORS, CleanResult, Reject, clean_table, decode_line
from explorer.ingest.sources import Quarter, TableFile, discover
from explorer.progress import Reporter, reporter
from explorer.scoring import score_pairs
from explorer.store.build import build_steps, rebuild_core
from explorer.store.reader import model_version, quiet
from explorer.store.schema import MODEL_VERSION, create_schema
from explorer.store.sql import named_steps
from explorer.store.update import UPDATE_PHASES, update_core

Progress = Reporter | Callable[[str], None]

PATH_INCREMENTAL = "incremental"
PATH_FULL = "full rebuild"


@dataclass
class FileStats:
    """What one file contributed."""

    quarter: str
    file: str
    table: str
    bytes: int
    lines: int
    rows: int
    rejected: int
    rejoined: int
    joined_lines: int
    repaired: int
    blank: int
    seconds: float
    unterminated: bool = False  # the last line had no line terminator


@dataclass
class LoadSummary:
    """The outcome of one ``load`` call."""

    db_path: Path
    loaded: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: list[FileStats] = field(default_factory=list)
    flow: list[tuple[str, int, str]] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: bool = False  # the model was rebuilt (a quarter changed, another model version, or asked)
    path: str = ""  # how the model was brought up to date: PATH_INCREMENTAL, PATH_FULL, or "" (nothing to do)
    path_reason: str = ""  # why that path
    touched_cases: int | None = None  # cases the incremental path recomputed
    timings: dict[str, float] = field(default_factory=dict)  # seconds of each phase of the build
    leftovers: list[str] = field(default_factory=list)  # debris of earlier killed or failed loads, removed

    @property
    def changed(self) -> bool:
        return bool(self.loaded or self.replaced)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)


def _step(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> duckdb.DuckDBPyConnection:
    """Run one named step of ``queries/store/load.sql`` with its values bound."""
    return con.execute(named_steps("load.sql")[name], params or None)


def _no_write(db_path: Path, e: BaseException, phase: str = "") -> StoreWriteError:
    """One line for a failure to write the new database (disk full, read-only folder, ...)."""
    if isinstance(e, OSError):
        what = e.strerror or type(e).__name__
        where = f" ({e.filename})" if getattr(e, "filename", None) else ""
    else:
        what, where = " ".join(str(e).split())[:300], ""
    during = f" while {phase}" if phase else ""
    return StoreWriteError(f"{db_path}: the load could not write its new database{during}: {what}{where}; "
                           "the database is unchanged")


def _build_path(db_path: Path) -> Path:
    return db_path.with_name(f".{db_path.name}.build-{os.getpid()}")


def _leftover_pattern(db_path: Path) -> re.Pattern:
    """The names this tool gives a load's private files: ``.<db>.build-PID``, its ``.wal``, ``.<db>.load-PID-*``."""
    name = re.escape(db_path.name)
    return re.compile(rf"\.{name}\.build-(\d+)(?:\.wal)?|\.{name}\.load-(\d+)-[A-Za-z0-9_]+")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(db_path: Path) -> list[str]:
    """Remove what killed or failed loads into ``db_path`` left beside it, and say what was removed.

    Only files named as this tool names them (see :func:`_leftover_pattern`) and whose process is gone are touched.
    Called with the writer lock held, so no other load into this database is running.
    """
    folder = db_path.parent
    if not folder.is_dir():
        return []
    pattern = _leftover_pattern(db_path)
    removed = []
    for entry in sorted(folder.iterdir()):
        m = pattern.fullmatch(entry.name)
        if not m or _pid_alive(int(m.group(1) or m.group(2))):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                size = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
                shutil.rmtree(entry)
            else:
                size = entry.stat().st_size
                entry.unlink()
        except FileNotFoundError:
            continue
        removed.append(f"{entry.name} ({size / 1e6:,.1f} MB)")
    return removed


@contextmanager
def _writer_lock(db_path: Path):
    """Hold an exclusive lock file so that two loads into the same database cannot run at once."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    try:
        fh = open(lock_path, "a+")  # noqa: SIM115 - closed by the with block below
    except OSError as e:
        raise _no_write(db_path, e) from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseLockedError(f"{db_path}: another load into this database is running") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _existing_loads(db_path: Path) -> tuple[dict[str, str], int | None]:
    """Return {quarter: source_sha256} of the live database and its model version (this tool's, when there is no
    database yet: a new one is built under it).

    Also checks that no other process holds the database for writing.
    """
    if not db_path.exists():
        return {}, MODEL_VERSION
    try:
        con = quiet(duckdb.connect(str(db_path), read_only=True))
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise DatabaseLockedError(f"{db_path}: the database is locked by another process ({e})") from None
        raise InputError(db_path, f"not a readable DuckDB database ({e})") from None
    except duckdb.Error as e:
        raise InputError(db_path, f"not a readable DuckDB database ({e})") from None
    try:
        has_log = (_step(con, "has_load_log").fetchone() or (0,))[0]
        if not has_log:
            raise InputError(db_path, "exists but is not an explorer database (no load_log table)")
        loads = dict(_step(con, "existing_loads").fetchall())
        return loads, model_version(con)
    finally:
        con.close()


def model_is_current(db_path: str | Path) -> bool:
    """Whether the store at ``db_path`` was built under this version of the model."""
    return _existing_loads(Path(db_path))[1] == MODEL_VERSION


def _insert_rejects(con, quarter: str, file: str, table: str, rejects: list[Reject]) -> None:
    if not rejects:
        return
    frame = pd.DataFrame(
        {
            "quarter": quarter,
            "file": file,
            "table_name": table,
            "line_no": [r.line_no for r in rejects],
            "raw_text": [r.raw for r in rejects],
            "reason": [r.reason for r in rejects],
        }
    )
    con.register("rejects_batch", frame)
    _step(con, "insert_rejects")
    con.unregister("rejects_batch")


def _log(con, q: Quarter, tf: TableFile, stats: FileStats, sha256: str) -> None:
    _step(
        con, "insert_log",
        **{
            "quarter": q.quarter, "source": q.origin, "source_sha": q.sha256, "file": tf.name, "table": tf.table,
            "sha": sha256, "bytes": stats.bytes, "lines": stats.lines, "rows": stats.rows,
            "rejected": stats.rejected, "rejoined": stats.rejoined, "joined": stats.joined_lines,
            "repaired": stats.repaired,
            "blank": stats.blank, "synthetic": q.synthetic, "at": datetime.now(UTC).replace(tzinfo=None),
            "version": __version__, "unterminated": stats.unterminated,
        },
    )


def _clean_to_file(q: Quarter, tf: TableFile, workdir: str) -> tuple[CleanResult, str, float]:
    """Extract and clean one table into a file DuckDB can parse strictly (runs in a worker thread)."""
    start = time.perf_counter()
    clean_path = os.path.join(workdir, f"{q.quarter}_{tf.table}.txt")
    with tf.open() as raw, open(clean_path, "wb") as out:
        res = clean_table(raw, out, tf.table, tf.name)
    return res, clean_path, time.perf_counter() - start


def _insert_table(con, q: Quarter, tf: TableFile, cleaned: tuple[CleanResult, str, float]) -> FileStats:
    """Parse a cleaned file into its raw table, store its rejects and log it."""
    res, clean_path, clean_seconds = cleaned
    start = time.perf_counter()
    if res.rows:
        n_cols = len(res.columns) + (1 if res.trailing else 0)
        columns = {f"c{i}": "VARCHAR" for i in range(n_cols)}
        targets = [(i, c) for i, c in enumerate(res.columns) if c]
        names = ", ".join(c for _, c in targets)
        # a '$' kept inside a free-text value was written as lines.DOLLAR (see lines.repair)
        values = ", ".join(f"nullif(trim(replace(c{i}, chr(31), '$')), '')" if res.dollars and c in JOINABLE
                           else f"nullif(trim(c{i}), '')" for i, c in targets)
        # Table and column names come from the column map, never from the input; values are bound.
        sql = (
            f"INSERT INTO raw_{tf.table} ({names}, quarter, source_file) "
            f"SELECT {values}, $quarter, $file FROM read_csv($path, delim='$', header=false, quote='', escape='', "
            "auto_detect=false, columns=$columns, new_line='\\n', encoding='utf-8', max_line_size=16777216)"
        )
        inserted = con.execute(
            sql, {"quarter": q.quarter, "file": tf.name, "path": clean_path, "columns": columns}
        ).fetchone()[0]
        if inserted != res.rows:
            raise RuntimeError(f"{tf.name}: {res.rows} clean lines but {inserted} rows inserted")
    os.unlink(clean_path)
    _insert_rejects(con, q.quarter, tf.name, tf.table, res.rejects)
    stats = FileStats(
        q.quarter, tf.name, tf.table, res.nbytes, res.lines, res.rows, len(res.rejects), res.rejoined,
        res.joined_lines, res.repaired, res.blank, clean_seconds + time.perf_counter() - start, res.unterminated,
    )
    _log(con, q, tf, stats, res.sha256)
    return stats


def _load_deleted(con, q: Quarter, tf: TableFile) -> FileStats:
    """A deleted-case list: an optional blank first line, then one caseid a line."""
    start = time.perf_counter()
    with tf.open() as fh:
        try:
            data = fh.read()
        except READ_ERRORS as e:
            raise InputError(tf.name, f"cannot read the file ({type(e).__name__}: {e})") from None
    ids: list[str] = []
    rejects: list[Reject] = []
    blank = 0
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    unterminated = bool(lines and lines[-1].strip())
    if lines and lines[-1] == b"":
        lines.pop()
    # FDA's lists open with a blank line; DELETE26Q1 opens with a caseid. Every line is read the same way.
    for n, raw in enumerate(lines, start=1):
        value = raw.strip()
        if not value:
            blank += 1
        elif not value.isdigit():
            rejects.append(Reject(n, decode_line(raw[:4096]), "not a caseid (expected digits only)"))
        elif len(value) > 19 or int(value) > MAX_CASEID:
            rejects.append(Reject(n, decode_line(raw[:4096]), f"caseid has {len(value)} digits: larger than any "
                                  f"case number (at most 19 digits, up to {MAX_CASEID})"))
        else:
            ids.append(value.decode("ascii"))
    if ids:
        frame = pd.DataFrame({"caseid": ids, "quarter": q.quarter, "source_file": tf.name})
        con.register("deleted_batch", frame)
        _step(con, "insert_deleted")
        con.unregister("deleted_batch")
    _insert_rejects(con, q.quarter, tf.name, "deleted", rejects)
    stats = FileStats(
        q.quarter, tf.name, "deleted", len(data), len(lines), len(ids), len(rejects), 0, 0, 0, blank,
        time.perf_counter() - start, unterminated,
    )
    _log(con, q, tf, stats, hashlib.sha256(data).hexdigest())
    return stats


def _cleaned_files(quarters: list[Quarter], workdir: str) -> Iterator[tuple[Quarter, TableFile, tuple | None]]:
    """Yield each table file with its cleaned copy, cleaning the next file in a worker thread meanwhile.

    The cleaner is Python and holds the GIL; DuckDB's parse releases it, so the two overlap. At most two cleaned
    files wait on disk at any time. Deleted-case lists are tiny and yielded with None (read in the main thread).
    """
    jobs = [(q, tf) for q in quarters for tf in [q.files[t] for t in TABLES if t in q.files] + q.deleted]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clean") as pool:
        futures = {}

        def submit(i: int) -> None:
            if i < len(jobs) and jobs[i][1].table != "deleted":
                futures[i] = pool.submit(_clean_to_file, jobs[i][0], jobs[i][1], workdir)

        submit(0)
        submit(1)
        try:
            for i, (q, tf) in enumerate(jobs):
                cleaned = futures.pop(i).result() if i in futures else None
                submit(i + 2)
                yield q, tf, cleaned
        finally:
            for f in futures.values():
                f.cancel()


def remove_quarter(con: duckdb.DuckDBPyConnection, quarter: str) -> None:
    """Delete every raw row, rejected line and load-log row of ``quarter`` (before it is loaded again).

    The model is left as it was: the caller rebuilds it (as a load does for a re-published quarter).
    """
    _step(con, "quarter_to_remove", quarter=quarter)
    _step(con, "remove_quarter")


def connect_for_build(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a build file with settings suited to bulk loads on a small machine."""
    con = quiet(duckdb.connect(str(path)))
    _step(con, "build_settings")
    return con


def load(sources: Sequence[str | Path], db_path: str | Path = DEFAULT_DB, progress: Progress | None = None,
         rebuild: bool = False) -> LoadSummary:
    """Load FAERS quarters into the database at ``db_path``.

    Quarters already loaded from the same bytes are skipped; a quarter whose source changed (a re-published zip)
    replaces its earlier load. Every source is checked before anything is written. The model is rebuilt when a
    quarter is loaded, when the store was built under another model version, or when ``rebuild`` is set.

    Args:
        sources: quarterly zips, extracted quarter folders, or folders holding either (none: only rebuild).
        db_path: the DuckDB file; created if missing.
        progress: called with one line of text as the load advances.
        rebuild: rebuild the model from the raw tables even if no quarter is new.

    Returns:
        What was loaded, replaced and skipped, per-file counts, and the deduplication flow.

    Raises:
        InputError: a source is missing or malformed (the database is unchanged).
        DatabaseLockedError: another process holds the database for writing.
    """
    say = reporter(progress)
    started = time.perf_counter()
    db_path = Path(db_path)
    quarters = discover(list(sources))
    if not quarters and not db_path.exists():
        raise InputError(db_path, "no database here to rebuild; load quarters into it first")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _no_write(db_path, e) from None
    summary = LoadSummary(db_path)
    with _writer_lock(db_path):
        summary.leftovers = remove_leftovers(db_path)
        if summary.leftovers:
            say(f"removed what earlier loads that did not finish left beside {db_path.name}: "
                + ", ".join(summary.leftovers))
        existing, built_with = _existing_loads(db_path)
        todo = []
        for q in quarters:
            if existing.get(q.quarter) == q.sha256:
                summary.skipped.append(q.quarter)
            else:
                (summary.replaced if q.quarter in existing else summary.loaded).append(q.quarter)
                todo.append(q)
        if not todo and not rebuild and built_with == MODEL_VERSION:
            summary.flow = _flow(db_path)
            summary.seconds = time.perf_counter() - started
            return summary
        summary.path, summary.path_reason = _choose_path(db_path, existing, built_with, todo, summary, rebuild)
        build = _build_path(db_path)
        phase = ["starting"]
        try:
            _build(db_path, build, todo, summary, say, phase)
        except (OSError, duckdb.Error) as e:  # disk full in the copy, the cleaned files, the WAL or the checkpoint
            raise _no_write(db_path, e, phase[0]) from None
        finally:
            for leftover in (build, build.with_name(build.name + ".wal")):
                if leftover.exists():
                    leftover.unlink()
    summary.seconds = time.perf_counter() - started
    return summary


def _choose_path(db_path: Path, existing: dict[str, str], built_with: int | None, todo: list[Quarter],
                 summary: LoadSummary, rebuild: bool) -> tuple[str, str]:
    """Which way the model is brought up to date, and why: incremental only when it gives what a full build gives."""
    if rebuild:
        return PATH_FULL, "a rebuild was asked for"
    if not db_path.exists() or not existing:
        return PATH_FULL, "a new database"
    if built_with != MODEL_VERSION:
        return PATH_FULL, f"the store was built under model version {built_with}, this tool writes {MODEL_VERSION}"
    if summary.replaced:
        return PATH_FULL, f"re-published quarter(s) {', '.join(summary.replaced)} (new sha256) replace earlier loads"
    newest = max(existing)
    older = sorted(q.quarter for q in todo if q.quarter <= newest)
    if older:
        return PATH_FULL, f"quarter(s) {', '.join(older)} older than the newest loaded ({newest})"
    return PATH_INCREMENTAL, f"{', '.join(q.quarter for q in todo)} newer than every loaded quarter (newest {newest})"


def _build(db_path: Path, build: Path, todo: list[Quarter], summary: LoadSummary, say: Reporter,
           phase: list[str]) -> None:
    """Copy the live database to ``build``, load ``todo`` into it, rebuild the model, and swap it in.

    ``phase[0]`` says what it is doing, for the message if it fails.
    """
    clock = time.perf_counter()
    if db_path.exists():
        phase[0] = "copying the database"
        with say.step(f"copying {db_path.name} ({db_path.stat().st_size / 1e9:.1f} GB) to a build file"):
            shutil.copyfile(db_path, build)
    summary.timings["copy_s"] = time.perf_counter() - clock
    phase[0] = "opening the new database"
    con = connect_for_build(build)
    try:
        create_schema(con)
        with tempfile.TemporaryDirectory(dir=db_path.parent,
                                         prefix=f".{db_path.name}.load-{os.getpid()}-") as workdir:
            total = sum(q.nbytes for q in todo)
            done = 0
            index = {q.quarter: k for k, q in enumerate(todo, start=1)}
            for q in todo:
                remove_quarter(con, q.quarter)
            phase[0] = "loading the tables"
            with say.step(f"loading {len(todo)} quarter(s)", total=round(total / 1e6, 1), unit="MB") as step:
                for q, tf, cleaned in _cleaned_files(todo, workdir):
                    stats = _load_deleted(con, q, tf) if cleaned is None else _insert_table(con, q, tf, cleaned)
                    summary.files.append(stats)
                    done += tf.size
                    step.advance(tf.size / 1e6)
                    say(
                        f"[{index[q.quarter]}/{len(todo)}] {q.quarter} {tf.table.upper():7} {stats.rows:>10,} "
                        f"rows {stats.rejected:>5} rejected {stats.bytes / 1e6:8.1f} MB {stats.seconds:6.1f} s "
                        f"({100 * done / max(total, 1):5.1f}% of {total / 1e6:,.0f} MB)"
                    )
        summary.timings["load_s"] = time.perf_counter() - clock - summary.timings["copy_s"]
        clock = time.perf_counter()
        if summary.path == PATH_INCREMENTAL:
            phase[0] = "updating the model"
            with say.step("updating the deduplicated model with the cases the new quarter(s) touch",
                          total=UPDATE_PHASES, unit="phases") as step:
                summary.touched_cases = update_core(con, min(q.quarter for q in todo), summary.timings,
                                                    step.advance)
        else:
            phase[0] = "rebuilding the model"
            with say.step("rebuilding the deduplicated model", total=build_steps(), unit="steps") as step:
                rebuild_core(con, step.advance, summary.timings)
            summary.rebuilt = True
        phase[0] = "scoring every pair"
        scored = time.perf_counter()
        with say.step("fitting the EBGM priors and scoring every ingredient-PT pair"):
            score_pairs(con, timings=summary.timings, strata_deltas=summary.path == PATH_INCREMENTAL)
        summary.timings["scoring_s"] = time.perf_counter() - scored
        summary.timings["model_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        phase[0] = "writing the checkpoint"
        with say.step("writing the new database"):
            _step(con, "checkpoint")
        summary.timings["checkpoint_s"] = time.perf_counter() - clock
        summary.flow = [tuple(r) for r in _step(con, "flow").fetchall()]
        phase[0] = "closing the new database"
    finally:
        con.close()
    phase[0] = "swapping it in"
    # the one step that changes the live database: a rename, atomic on POSIX (never a copy in place)
    os.replace(build, db_path)


def _flow(db_path: Path) -> list[tuple[str, int, str]]:
    con = quiet(duckdb.connect(str(db_path), read_only=True))
    try:
        rows = _step(con, "flow").fetchall()
        return [tuple(r) for r in rows]
    finally:
        con.close()


@contextmanager
def building(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private copy of an existing store to write into, swapped over it when the block ends without error.

    The same guarantees as a load: the writer lock is held throughout, the live file is never written, and an error
    (or an interrupt) inside the block removes the copy and leaves the store as it was.

    Raises:
        InputError: no store at ``db_path``.
        DatabaseLockedError: another process holds the database for writing.
        StoreWriteError: the copy, its checkpoint or the swap could not be written (disk full, read-only folder).
    """
    db_path = Path(db_path)
    if not db_path.exists():
        raise InputError(db_path, "no database here; load FAERS quarters first (python -m explorer load ...)")
    with _writer_lock(db_path):
        remove_leftovers(db_path)
        _existing_loads(db_path)  # a store, and no other writer holds it
        build = _build_path(db_path)
        try:
            try:
                shutil.copyfile(db_path, build)
                con = connect_for_build(build)
            except (OSError, duckdb.Error) as e:
                raise _no_write(db_path, e) from None
            try:
                yield con
                _step(con, "checkpoint")
            finally:
                con.close()
            try:
                os.replace(build, db_path)  # the one step that changes the live database
            except OSError as e:
                raise _no_write(db_path, e) from None
        finally:
            for leftover in (build, build.with_name(build.name + ".wal")):
                if leftover.exists():
                    leftover.unlink()

"""Progress of long work (load, rebuild, download, synth, MedDRA import, the evidence pack), shown one way.

The work reports to a :class:`Reporter`: a note (one line of text) or a step with a known size that it advances.
The CLI picks how that is shown: a rich progress bar with the step, the counts, the elapsed time and an estimate of
the time left on a terminal; plain lines (a step's start and its end with its count and time) when the output is
a file or a pipe; nothing under ``--quiet``. Library callers may pass any ``Callable[[str], None]`` instead: it
receives the notes and a line when each step starts and ends.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

Lines = Callable[[str], None]


class Step:
    """One step of the work with its size: advance it as units are done."""

    def __init__(self, advance: Callable[[float], None]) -> None:
        self._advance = advance

    def advance(self, units: float = 1) -> None:
        """Count ``units`` more done."""
        self._advance(units)


class Reporter:
    """Where long work reports its progress. The base class shows nothing (``--quiet``)."""

    def __call__(self, message: str) -> None:
        """A note: one line of text about the work (kept as a line, above any bar)."""

    @contextmanager
    def step(self, description: str, total: float | None = None, unit: str = "") -> Iterator[Step]:
        """A step of ``total`` units (None: size unknown) that the work advances until the block ends."""
        yield Step(lambda _units: None)


class LineReporter(Reporter):
    """Plain lines for a log: each note, and each step when it starts and when it ends (count and time)."""

    def __init__(self, write: Lines) -> None:
        self._write = write

    def __call__(self, message: str) -> None:
        self._write(message)

    @contextmanager
    def step(self, description: str, total: float | None = None, unit: str = "") -> Iterator[Step]:
        done = [0.0]
        start = time.perf_counter()
        size = f" ({_count(total)} {unit})" if total is not None and unit else ""
        self._write(f"{description}{size} ...")

        def advance(units: float) -> None:
            done[0] += units

        yield Step(advance)
        counted = f"{_count(done[0])} {unit}, " if unit and done[0] else ""
        self._write(f"{description}: done ({counted}{time.perf_counter() - start:.1f} s)")


class BarReporter(Reporter):
    """A rich progress bar per step on a terminal: description, bar, done/total, elapsed, time left."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._console = Console(file=stream or sys.stderr)

    def __call__(self, message: str) -> None:
        self._console.print(message, markup=False, highlight=False)

    @contextmanager
    def step(self, description: str, total: float | None = None, unit: str = "") -> Iterator[Step]:
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn(unit), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn()]
        with Progress(*columns, console=self._console, transient=False) as bar:
            task: TaskID = bar.add_task(description, total=total)
            yield Step(lambda units: bar.advance(task, units))
            if total is not None:
                bar.update(task, completed=total)


def reporter(progress: Reporter | Lines | None) -> Reporter:
    """The reporter for what a caller passed: a reporter, a callable taking lines, or None (nothing shown)."""
    if progress is None:
        return Reporter()
    if isinstance(progress, Reporter):
        return progress
    return LineReporter(progress)


def for_terminal(quiet: bool, stream: TextIO | None = None) -> Reporter:
    """What the CLI shows: nothing when quiet, a bar on a terminal, plain lines otherwise."""
    out = stream or sys.stderr
    if quiet:
        return Reporter()
    if out.isatty():
        return BarReporter(out)
    return LineReporter(lambda line: print(line, file=out, flush=True))


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"

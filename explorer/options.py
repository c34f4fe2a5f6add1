"""Command-line option values, validated in one place.

Each function here is an argparse ``type=``: it takes the text the user typed and returns the value the command
uses, or raises ``argparse.ArgumentTypeError`` with what is wrong. :class:`Parser` turns every argparse error (a bad
value, an unknown choice, a missing argument) into :class:`~explorer.errors.OptionError`, which the CLI prints as one
line with exit code 1. :func:`check_against_store` checks what can only be checked against the database (the PTs of
``--event``) before a command runs.
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
import tempfile
from pathlib import Path

from explorer.codes import OUTCOMES, REPORT_TYPES, REPORTERS, ROLES, SEXES
from explorer.errors import ExplorerError, OptionError

INT64_MAX = (1 << 63) - 1
"""DuckDB's BIGINT: the largest count, offset or case number a query can bind."""



class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are exceptions (one line, exit 1 in the CLI) instead of usage text and exit 2."""

    def error(self, message: str):
        raise OptionError(f"{self.prog}: {message}")


def _fail(problem: str):
    raise argparse.ArgumentTypeError(problem)


def _integer(text: str, low: int, what: str) -> int:
    t = text.strip()
    if not re.fullmatch(r"[+-]?\d+", t):
        _fail(f"{what}, not {text!r}")
    value = int(t)
    if value < low or value > INT64_MAX:
        _fail(f"{what}, not {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number from 1 to 2**63 - 1 (a row limit, a case count)."""
    return _integer(text, 1, f"must be a whole number from 1 to {INT64_MAX}")


def non_negative_int(text: str) -> int:
    """A whole number from 0 to 2**63 - 1 (an offset, a seed)."""
    return _integer(text, 0, f"must be a whole number from 0 to {INT64_MAX}")


def port(text: str) -> int:
    """A TCP port, 1 to 65535."""
    value = _integer(text, 1, "must be a port number from 1 to 65535")
    if value > 65535:
        _fail(f"must be a port number from 1 to 65535, not {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (a scale)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        _fail(f"must be a finite number above 0, not {text!r}")
    return value


def caseid(text: str) -> str:
    """A FAERS case number: digits only, at most 19 of them, no larger than a BIGINT."""
    t = text.strip()
    if not t.isdigit() or not t.isascii() or len(t) > 19 or int(t) > INT64_MAX:
        _fail(f"must be a case number (digits only, at most {INT64_MAX}), not {text!r}")
    return t


def text(value: str) -> str:
    """Any text that is not empty or blank (a name, a PT, a source)."""
    if not value.strip():
        _fail("must not be empty")
    return value


def iso_date(value: str) -> str:
    """A calendar date written YYYY-MM-DD (returned as typed; the selection reads it)."""
    from datetime import date

    try:
        date.fromisoformat(value.strip())
    except ValueError:
        _fail(f"must be a date written YYYY-MM-DD, not {value!r}")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        _fail(f"must be a date written YYYY-MM-DD, not {value!r}")
    return value.strip()


def _codes(value: str, known: tuple[str, ...], what: str) -> str:
    items = [v.strip().upper() for v in value.split(",")]
    if not any(items):
        _fail(f"must name at least one {what} ({', '.join(known)})")
    unknown = [v for v in items if v not in known]
    if unknown:
        _fail(f"unknown {what} {unknown[0]!r}: choose from {', '.join(known)}")
    return ",".join(items)


def roles(value: str) -> str:
    """Drug roles, e.g. ``PS,SS``."""
    return _codes(value, ROLES, "drug role")


def outcomes(value: str) -> str:
    """Outcome codes, e.g. ``DE,LT``."""
    return _codes(value, OUTCOMES, "outcome code")


def report_types(value: str) -> str:
    """Report types (rept_cod), e.g. ``EXP,PER``."""
    return _codes(value, REPORT_TYPES, "report type")


def reporters(value: str) -> str:
    """Reporter types (occp_cod), e.g. ``MD,CN``."""
    return _codes(value, REPORTERS, "reporter type")


def sexes(value: str) -> str:
    """``F``, ``M`` or ``F,M``."""
    return _codes(value, SEXES, "sex")


def countries(value: str) -> str:
    """Reporter countries as ISO 3166-1 two-letter codes, e.g. ``US,GB``."""
    items = [v.strip().upper() for v in value.split(",")]
    bad = [v for v in items if not re.fullmatch(r"[A-Z]{2}", v)]
    if bad or not items:
        _fail(f"countries are two-letter codes such as US,GB, not {(bad or [value])[0]!r}")
    return ",".join(items)


def quarters(value: str) -> str:
    """A quarter, a range or a comma-separated mix (``2024q1``, ``2004q1-2012q3``) naming at least one quarter."""
    from explorer.quarters import expand

    try:
        found = expand(value)
    except ValueError as e:
        _fail(str(e))
    if not found:
        _fail("must name at least one quarter, e.g. 2024q1 or 2004q1-2012q3")
    return value


def _writable_folder(path: Path, what: str, shown: str) -> None:
    """Fail unless files can be created in ``path`` (or, if it does not exist yet, in its nearest existing folder)."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        _fail(f"{what} {shown!r}: {probe} is not a folder")
    try:  # root passes every permission check: only creating a file tells (e.g. /proc, a read-only mount)
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as e:
        _fail(f"{what} {shown!r}: cannot create files in {probe} ({e.strerror})")


def output_folder(value: str) -> str:
    """A folder to write into: existing and writable, or creatable."""
    text(value)
    path = Path(value)
    if path.exists() and not path.is_dir():
        _fail(f"{value!r} exists and is not a folder")
    _writable_folder(path, "cannot write into", value)
    return value


def database_to_write(value: str) -> str:
    """A database file a load may create or replace: not a folder, in a folder where files can be created."""
    text(value)
    path = Path(value)
    if path.is_dir():
        _fail(f"{value!r} is a folder, not a database file")
    _writable_folder(path.parent, "cannot write the database", value)
    return value


def check_against_store(args: argparse.Namespace) -> None:
    """Refuse option values that the open store does not know: PTs given with ``--event``.

    Raises:
        OptionError: an ``--event`` PT is reported in no loaded case (a typo returns no cases, silently otherwise).
    """
    pts = [p for p in (getattr(args, "event", None) or []) if p and p.strip()]
    db = getattr(args, "db", None)
    if not pts or db is None or not Path(db).is_file():
        return
    from explorer import query
    from explorer.store.reader import connect

    try:
        con = connect(db)
    except ExplorerError:  # the command itself reports a missing, locked or stale store
        return
    try:
        if not query.rows(con, "pt_vocab_present")[0][0]:
            return
        from explorer.meddra.lookup import as_pts

        keys = [p.strip().lower() for p in as_pts(con, pts)]  # an LLT counts as its PT once MedDRA is imported
        known = {k for (k,) in query.rows(con, "pt_vocab_known", keys=keys)}
        unknown = [p for p, k in zip(pts, keys, strict=True) if k not in known]
        if not unknown:
            return
        names = [n for (n,) in query.rows(con, "pt_vocab_names")]
    finally:
        con.close()
    close = difflib.get_close_matches(unknown[0].strip(), names, n=3, cutoff=0.75)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise OptionError(f"--event {unknown[0].strip()!r}: no loaded case reports this PT (not in {db}'s pt_vocab)"
                      + hint)

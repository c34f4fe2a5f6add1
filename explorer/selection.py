"""The filter set shared by every query, and the selection (population, exposure, event, comparator).

A :class:`Selection` is applied to a connection by binding its values into session variables
(``SET VARIABLE f_sexes = $value``); the table macros of ``queries/macros/selection.sql`` read them, so every named
query filters the same way and no value is ever formatted into SQL.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import duckdb

from explorer.definitions import Definitions, EventGroup, Exposure, load_definitions, terms_regex
from explorer.errors import ExplorerError

MACROS = Path(__file__).resolve().parent.parent / "queries" / "macros" / "selection.sql"
MATERIALIZE = MACROS.with_name("materialize.sql")
POPULATION = MACROS.with_name("population.sql")
CASE_SETS = MACROS.with_name("case_sets.sql")
VARIABLES = MACROS.with_name("variables.toml")
BIND = MACROS.with_name("bind.sql")
# the variables each case set of case_sets.sql depends on: a set is recomputed only when one of them changes
_SET_INPUTS = {"exposure": ("has_exposure", "e_ing", "e_xing", "e_routes", "e_xroutes", "e_terms", "e_xterms",
                            "e_roles"),
               "event": ("has_event", "event_pts"),
               "comparator": ("has_comparator", "k_ing", "k_xing", "k_routes", "k_xroutes", "k_terms", "k_xterms",
                              "k_roles")}
_SET_INPUTS["cases"] = tuple(v for name in ("exposure", "event", "comparator") for v in _SET_INPUTS[name])


def event_of(group: EventGroup | None, pts: Sequence[str] = ()) -> EventGroup | None:
    """The one way to build a selection's event: a named group, extra PTs, or both (a case has the event when it
    reports any of their PTs). None when neither is given."""
    extra = tuple(dict.fromkeys(p.strip() for p in pts if p and p.strip()))
    if not extra:
        return group
    if group is None:
        if len(extra) == 1:
            return EventGroup(name=f"pt:{extra[0]}", title=extra[0], pts=extra)
        return EventGroup("pts:" + "|".join(extra), ", ".join(extra), extra)
    return EventGroup(f"{group.name}+pts:" + "|".join(extra), f"{group.title} and {', '.join(extra)}",
                      tuple(dict.fromkeys((*group.pts, *extra))))


class SelectionError(ExplorerError):
    """A filter value is invalid."""


@dataclass(frozen=True)
class Filters:
    """Filters on the population of current cases. Empty tuples and None mean "no filter"."""

    received_from: date | None = None
    received_to: date | None = None
    event_from: date | None = None
    event_to: date | None = None
    sexes: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    occupations: tuple[str, ...] = ()
    report_types: tuple[str, ...] = ()
    serious_only: bool = False
    outcome_codes: tuple[str, ...] = ()
    exclude_outbreak: bool = False
    exclude_probable_duplicates: bool = False

    def describe(self) -> str:
        """The active filters in words ('' when none)."""
        words = []
        if self.received_from or self.received_to:
            words.append(f"received {self.received_from or '…'} to {self.received_to or '…'}")
        if self.event_from or self.event_to:
            words.append(f"event {self.event_from or '…'} to {self.event_to or '…'}")
        for label, values in (("sex", self.sexes), ("age", self.age_bands), ("country", self.countries),
                              ("reporter", self.occupations), ("report type", self.report_types),
                              ("outcome", self.outcome_codes)):
            if values:
                words.append(f"{label} {'/'.join(values)}")
        if self.serious_only:
            words.append("serious cases only")
        if self.exclude_outbreak:
            words.append("2012-2013 compounding outbreak excluded")
        if self.exclude_probable_duplicates:
            words.append("probable duplicates excluded")
        return "; ".join(words)


@dataclass(frozen=True)
class Selection:
    """What to count: an exposure, an event, optionally a comparator, within filtered current cases."""

    exposure: Exposure | None = None
    event: EventGroup | None = None
    comparator: Exposure | None = None
    filters: Filters = field(default_factory=Filters)

    def query_id(self) -> str:
        """A short stable id of this selection, for citations and reproduction (computed once per object: the
        dashboard keys every cached answer and chart of a rerun by it)."""
        known = self.__dict__.get("_query_id")
        if known is None:
            blob = json.dumps(asdict(self), sort_keys=True, default=str)
            known = hashlib.sha256(blob.encode()).hexdigest()[:12]
            object.__setattr__(self, "_query_id", known)  # not a field: equality, replace() and asdict() ignore it
        return known


def _age_range(bands: tuple[str, ...], defs: Definitions) -> tuple[float | None, float | None]:
    if not bands:
        return None, None
    known = defs.settings.age_bands
    unknown = [b for b in bands if b not in known]
    if unknown:
        raise SelectionError(f"unknown age band {unknown[0]!r}; bands: {', '.join(known)}")
    ranges = sorted(known[b] for b in bands)
    for (_, hi), (lo, _) in zip(ranges, ranges[1:], strict=False):
        if lo != hi:
            raise SelectionError("age bands must be adjacent (e.g. 45-64 and 65-74)")
    return ranges[0][0], ranges[-1][1]


def validate(selection: Selection, defs: Definitions | None = None) -> None:
    """Check a selection's filter values before any query runs.

    Raises:
        SelectionError: an unknown age band or sex, non-adjacent bands, or a date range that runs backwards.
    """
    defs = defs or load_definitions()
    f = selection.filters
    _age_range(f.age_bands, defs)
    bad_sex = [s for s in f.sexes if s.upper() not in ("F", "M")]
    if bad_sex:
        raise SelectionError(f"sex must be F or M, not {bad_sex[0]!r}")
    for lo, hi, what in ((f.received_from, f.received_to, "received"), (f.event_from, f.event_to, "event")):
        if lo and hi and lo > hi:
            raise SelectionError(f"{what} date range runs backwards: {lo} > {hi}")


def _exposure_values(prefix: str, e: Exposure | None) -> dict:
    e = e or Exposure(name="none", title="none", ingredients=("\0none",))
    return {
        f"{prefix}_ing": list(e.ingredients), f"{prefix}_xing": list(e.exclude_ingredients),
        f"{prefix}_routes": list(e.routes), f"{prefix}_xroutes": list(e.exclude_routes),
        f"{prefix}_terms": terms_regex(e.text_terms), f"{prefix}_xterms": terms_regex(e.exclude_text_terms),
        f"{prefix}_roles": list(e.roles),
    }


def _sections(path: Path, marker: str) -> dict[str, str]:
    parts = re.split(rf"^-- {marker}: (\w+)\s*$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


@cache
def population_predicates() -> dict[str, str]:
    """The population's predicates by filter name, from ``queries/macros/population.sql``."""
    return _sections(POPULATION, "predicate")


@cache
def variable_statements() -> dict[str, str]:
    """The statement that sets each session variable of a selection, with its type (``variables.toml``)."""
    tables = tomllib.loads(VARIABLES.read_text(encoding="utf-8"))
    return {**tables["filters"], **tables["bookkeeping"]}


@cache
def bind_statements() -> dict[str, str]:
    """The other statements of a bind (``bind.sql``)."""
    return _sections(BIND, "statement")


def _set(con: duckdb.DuckDBPyConnection, name: str, value: object) -> None:
    con.execute(variable_statements()[name], {"v": value})


@cache
def case_set_statements() -> dict[str, str]:
    """The statements that find the exposure's, event's and comparator's cases (``case_sets.sql``)."""
    return _sections(CASE_SETS, "set")


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()


def _variable(con: duckdb.DuckDBPyConnection, name: str) -> object:
    """The value of a session variable of the bind (None when the connection has not set it)."""
    row = con.execute(bind_statements()["read_variable"], {"name": f"f_{name}"}).fetchone()
    return row[0] if row else None


# the values each connection was last bound with, by id(connection): a bind then sets only the variables that changed.
# Trusted only while the connection still holds that bind's key (a new connection that reuses an id holds none).
_BOUND: dict[int, tuple[str, dict]] = {}
_BOUND_MAX = 256


def _active_filters(values: dict) -> list[str]:
    """The names of the filters in use: a set value, a non-empty list, a true flag."""
    # (an age of 0 is a set value: compare with None and False by identity, not equality)
    return [name for name in population_predicates()
            if values[name] is not None and values[name] is not False and values[name] != []]


# values of a bind that name the selection's sets, not its population
_SELECTION_ONLY = frozenset({"event_pts", "has_comparator", "has_exposure", "has_event", "all_cases"})


def where_text(values: dict) -> str:
    """The population's predicates for the filters in use, joined with AND (population.sql; "true" for none)."""
    predicates = population_predicates()
    return " AND ".join(f"({predicates[name]})" for name in _active_filters(values)) or "true"


def bind(con, selection: Selection, defs: Definitions | None = None) -> None:
    """Bind a selection's values into the connection's session variables and materialize its case sets.

    Nothing is done when the connection already holds exactly this selection (the key of the bound values is kept
    in the connection itself, so a new connection is never taken for a bound one).
    """
    defs = defs or load_definitions()
    validate(selection, defs)
    f = selection.filters
    age_min, age_max = _age_range(f.age_bands, defs)
    outbreak = defs.events[defs.settings.outbreak_group]
    values = {
        "received_from": f.received_from, "received_to": f.received_to,
        "event_from": f.event_from, "event_to": f.event_to,
        "sexes": [s.upper() for s in f.sexes], "age_min": age_min, "age_max": age_max,
        "countries": [c.upper() for c in f.countries], "occupations": [o.upper() for o in f.occupations],
        "report_types": [r.upper() for r in f.report_types], "serious": f.serious_only,
        "outcome_codes": [o.upper() for o in f.outcome_codes], "exclude_outbreak": f.exclude_outbreak,
        "exclude_probable_duplicates": f.exclude_probable_duplicates,
        "outbreak_ingredient": defs.settings.outbreak_ingredient,
        "outbreak_pts": [p.lower() for p in outbreak.pts],
        "outbreak_from": defs.settings.outbreak_from, "outbreak_to": defs.settings.outbreak_to,
        "event_pts": [p.lower() for p in selection.event.pts] if selection.event else [],
        "has_comparator": selection.comparator is not None,
        "has_exposure": selection.exposure is not None,
        "has_event": selection.event is not None,
        "band_labels": list(defs.settings.age_bands),
        "band_los": [lo for lo, _ in defs.settings.age_bands.values()],
        "band_his": [hi for _, hi in defs.settings.age_bands.values()],
        **_exposure_values("e", selection.exposure), **_exposure_values("k", selection.comparator),
    }
    # every current case, unfiltered: queries can then skip matching child rows to the selection
    values["all_cases"] = selection.exposure is None and selection.event is None and not _active_filters(values)
    # no filter: the population is every current case, whose counts the model keeps (pt_vocab)
    values["whole_population"] = not _active_filters(values)
    key = _digest(sorted(values.items(), key=lambda kv: kv[0]))
    # the population alone (its filters and age bands, not the exposure, event or comparator): what the counts by
    # stratum depend on
    population_key = _digest([where_text(values), sorted(
        (k, v) for k, v in values.items() if k not in _SELECTION_ONLY and not k.startswith(("e_", "k_")))])
    held = _variable(con, "bound_key")
    if held == key:
        return  # this connection already holds exactly these values and their case sets
    last = _BOUND.pop(id(con), None)
    known = last[1] if last is not None and held is not None and last[0] == held else {}
    _set(con, "bound_key", None)  # a bind that fails half-way must not look complete
    _set(con, "population_key", None)  # nor its population counted
    for name, value in values.items():
        if name in known and type(known[name]) is type(value) and known[name] == value:
            continue  # the connection holds this value already (a filter change sets one or two variables)
        _set(con, name, value)
    statements = bind_statements()
    # population() is the fixed head and the fixed predicates of the filters in use (population.sql): no value
    # enters its text, they stay in the variables
    con.execute(f"{statements['population_head']}\n{where_text(values)}")
    ensure_macros(con)
    for name, statement in case_set_statements().items():
        set_key = _digest([values[v] for v in _SET_INPUTS[name]])
        if _variable(con, f"set_{name}") != set_key:
            _set(con, f"set_{name}", None)
            con.execute(statement)
            _set(con, f"set_{name}", set_key)
    for head in ("hits_population_head", "set_population_head"):  # population()'s predicates over kept case rows
        con.execute(f"{statements[head]}\n{where_text(values)}")
    con.execute(MATERIALIZE.read_text(encoding="utf-8"))
    con.execute(statements["selected_from_hits" if selection.exposure or selection.event
                           else "selected_from_population"])
    _set(con, "population_key", population_key)
    _set(con, "bound_key", key)
    if len(_BOUND) >= _BOUND_MAX:  # connections long closed: forget the oldest
        _BOUND.pop(next(iter(_BOUND)))
    _BOUND[id(con)] = (key, values)


def ensure_population_count(con) -> None:
    """Count the bound selection's population into ``_counts`` if it is not counted yet.

    Only the 2x2 of a signal needs it, so a filter change that only redraws counts and charts does not scan for it;
    kept while the population does not change (another exposure or event reuses it).
    """
    key = _variable(con, "population_key")
    if key is not None and _variable(con, "counts_key") == key:
        return
    con.execute(bind_statements()["count_population"])
    _set(con, "counts_key", key)


def whole_population(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the bound selection's population is every current case (no filter in use)."""
    return bool(_variable(con, "whole_population"))


def ensure_population_strata(con) -> None:
    """Count the bound population by stratum and quarter into ``_pop_strata`` if it is not counted yet.

    Kept while the population does not change (a new exposure, event or comparator reuses it): the stratified 2x2
    then reads only the selection's own cases (``_hits``) beside it.
    """
    key = _variable(con, "population_key")
    if key is not None and _variable(con, "strata_key") == key:
        return
    _set(con, "strata_key", None)
    con.execute(bind_statements()["population_strata"])
    _set(con, "strata_key", key)


# the filters whose populations are unions of whole strata (age band, sex, year received) and seriousness
_STRATA_FILTERS = frozenset({"received_from", "received_to", "sexes", "age_bands", "serious_only"})


def kept_strata_answer(filters: Filters) -> bool:
    """Whether the population of these filters is a union of whole strata and seriousness, so that each PT's count
    in it can be summed from the kept ``pt_strata_serious`` (``bind.sql``, ``population_pts_kept``): only sexes, age
    bands, seriousness and a received range of whole years (from 1 January, to 31 December) in use."""
    used = {name for name, value in asdict(filters).items() if value not in (None, False, ())}
    if not used <= _STRATA_FILTERS:
        return False
    return ((filters.received_from is None or (filters.received_from.month, filters.received_from.day) == (1, 1))
            and (filters.received_to is None or (filters.received_to.month, filters.received_to.day) == (12, 31)))


def ensure_population_pts(con, kept: bool) -> None:
    """Count the bound population's cases per PT into ``_pop_pt`` if they are not counted yet.

    Args:
        con: a connection holding a bound selection.
        kept: sum them from the kept ``pt_strata_serious`` (the caller checked :func:`kept_strata_answer` and that
            the store keeps them with the age bands of its definitions) instead of matching every PT row of the
            index to the population: the same counts, in a fraction of the time on a large store.
    """
    key = _variable(con, "population_key")
    if key is not None and _variable(con, "pop_pt_key") == key:
        return
    _set(con, "pop_pt_key", None)
    con.execute(bind_statements()["population_pts_kept" if kept else "population_pts"])
    _set(con, "pop_pt_key", key)


def _ensure_exposure_kept(con, what: str) -> None:
    """Run the bind statement ``what`` unless the connection holds its rows for the bound exposure already (its key
    variable ``<what>_key`` equals the exposure set's key)."""
    key = _variable(con, "set_exposure")
    if key is not None and _variable(con, f"{what}_key") == key:
        return
    _set(con, f"{what}_key", None)
    con.execute(bind_statements()[what])
    _set(con, f"{what}_key", key)


def ensure_exposed_pts(con) -> None:
    """Keep the PT index rows of every case of the bound exposure (filtered or not) in ``_exposed_pts``, unless the
    connection holds them for this exposure already: a screening after a filter change reads them instead of the
    whole PT index."""
    _ensure_exposure_kept(con, "exposed_pts")


def ensure_exposure_therapies(con) -> None:
    """Keep the therapy start dates of every drug row of the bound exposure (filtered or not) in
    ``_exposure_therapies``, unless the connection holds them for this exposure already: time to onset after a
    filter change reads them instead of every therapy row."""
    _ensure_exposure_kept(con, "exposure_therapies")


def ensure_set_hits(con, names: list[str], pts: list[list[str]]) -> str:
    """Find the cases of each of several events (each a list of lower-case PTs) into ``_set_hits``, unless the
    connection holds them already; return their key (the ``$set_key`` of ``signal_cells_sets``).

    They do not depend on the filters: a filter change reuses them (the screening's event groups).
    """
    key = _digest([names, pts])
    if _variable(con, "set_hits_key") != key:
        _set(con, "set_hits_key", None)
        con.execute(bind_statements()["set_hits"], {"set_names": names, "set_pts": pts})
        con.execute(bind_statements()["set_cases"])
        _set(con, "set_hits_key", key)
    return key


def ensure_macros(con) -> None:
    """Create the selection macros on this connection (temporary objects: allowed on read-only connections), once:
    the connection keeps a digest of the macros' text it ran."""
    text = MACROS.read_text(encoding="utf-8")
    digest = _digest(text)
    if _variable(con, "macros_key") == digest:
        return
    con.execute(text)
    _set(con, "macros_key", digest)

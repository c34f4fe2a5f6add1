"""Case definitions kept as files: exposures, event groups and filter settings in ``queries/definitions/*.toml``.

Users add their own definitions by adding TOML files to that folder (or pointing ``--definitions`` at another
folder). Names must be unique across files.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path

from explorer.constants import MAX_AGE_BANDS
from explorer.errors import ExplorerError

DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "queries" / "definitions"
ROLES = ("PS", "SS", "C", "I", "DN")


class DefinitionError(ExplorerError):
    """A definition file does not parse, or a name is unknown."""


@dataclass(frozen=True)
class Exposure:
    """Which drug rows count as exposure (see exposures.toml for the meaning of each field)."""

    name: str
    title: str
    ingredients: tuple[str, ...] = ()
    exclude_ingredients: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    exclude_routes: tuple[str, ...] = ()
    text_terms: tuple[str, ...] = ()
    exclude_text_terms: tuple[str, ...] = ()
    roles: tuple[str, ...] = ("PS", "SS")

    def with_options(self, strict_route: bool = False, any_role: bool = False,
                     roles: tuple[str, ...] | None = None) -> Exposure:
        """The definition with the query-time options applied."""
        out = self
        if strict_route:
            out = replace(out, text_terms=(), name=f"{out.name}+strict_route")
        if any_role:
            out = replace(out, roles=(), name=f"{out.name}+any_role")
        elif roles is not None:
            out = replace(out, roles=tuple(r.upper() for r in roles))
        return out

    def describe(self) -> str:
        """One sentence for methods sections and captions."""
        parts = [f"{', '.join(self.ingredients) if self.ingredients else 'any ingredient'}"]
        if self.exclude_ingredients:
            parts.append(f"excluding {', '.join(self.exclude_ingredients)}")
        where = []
        if self.routes:
            where.append(f"route {' or '.join(self.routes)}")
        if self.text_terms:
            where.append(f"dose or drug-name text mentioning {', '.join(self.text_terms)}")
        parts.append(" or ".join(where) if where else "any route")
        if self.exclude_routes or self.exclude_text_terms:
            parts.append(f"not {' or '.join([*self.exclude_routes, *self.exclude_text_terms])}")
        parts.append(f"role {'/'.join(self.roles) if self.roles else 'any'}")
        return f"{self.title}: " + "; ".join(parts)


@dataclass(frozen=True)
class EventGroup:
    """A set of MedDRA PTs; a single PT is a group of one."""

    name: str
    title: str
    pts: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.title}: {', '.join(self.pts)}"


@dataclass(frozen=True)
class MeddraTerms:
    """The MedDRA terms an event group names besides its PTs (``smq`` + ``scope``, ``hlts``, ``hlgts``, ``socs``).

    They are resolved to PTs against the current MedDRA version of an open store (``explorer.meddra``); until then
    the group cannot be used.
    """

    smqs: tuple[tuple[str, str], ...] = ()  # (SMQ name or code, "narrow" or "broad")
    hlts: tuple[str, ...] = ()
    hlgts: tuple[str, ...] = ()
    socs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.smqs or self.hlts or self.hlgts or self.socs)

    def __or__(self, other: MeddraTerms) -> MeddraTerms:
        def union(a: tuple, b: tuple) -> tuple:
            return tuple(dict.fromkeys((*a, *b)))
        return MeddraTerms(union(self.smqs, other.smqs), union(self.hlts, other.hlts),
                           union(self.hlgts, other.hlgts), union(self.socs, other.socs))

    def describe(self) -> str:
        """The terms in words, e.g. 'SMQ Ischaemic CNS vascular conditions (narrow); HLT Paralysis NEC'."""
        parts = [f"SMQ {name} ({scope})" for name, scope in self.smqs]
        for label, names in (("HLT", self.hlts), ("HLGT", self.hlgts), ("SOC", self.socs)):
            parts += [f"{label} {n}" for n in names]
        return "; ".join(parts)


MEDDRA_FIELDS = ("smq", "scope", "hlts", "hlgts", "socs")
MEDDRA_IMPORT_HINT = "python -m explorer meddra import DIR"


@dataclass(frozen=True)
class Settings:
    """The filter settings of filters.toml."""

    outbreak_ingredient: str
    outbreak_group: str
    outbreak_from: date
    outbreak_to: date
    outbreak_title: str
    age_bands: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Definitions:
    """All definitions of a folder."""

    exposures: dict[str, Exposure]
    events: dict[str, EventGroup]
    settings: Settings
    folder: Path
    # event groups that name MedDRA terms (the group with its title and own PTs, and the terms), resolved to PTs when a
    # store is open (explorer.meddra.lookup.resolve_definitions); why a group cannot be used (yet), by name
    meddra_groups: dict[str, tuple[EventGroup, MeddraTerms]] = field(default_factory=dict)
    unresolved: dict[str, str] = field(default_factory=dict)

    def exposure(self, name: str) -> Exposure:
        try:
            return self.exposures[name]
        except KeyError:
            raise DefinitionError(f"unknown exposure {name!r}; defined: {', '.join(sorted(self.exposures))}") from None

    def event(self, name: str) -> EventGroup:
        if name in self.unresolved:
            raise DefinitionError(self.unresolved[name])
        try:
            return self.events[name]
        except KeyError:
            raise DefinitionError(f"unknown event group {name!r}; defined: {', '.join(sorted(self.events))}") from None


def ingredient_exposure(ingredient: str, route: str | None = None, roles: tuple[str, ...] = ("PS", "SS")) -> Exposure:
    """An ad-hoc exposure: one ingredient, optionally by one canonical route."""
    ing = ingredient.strip().lower()
    if not ing:
        raise DefinitionError("--ingredient needs a name")
    title = f"{ing} by route {route}" if route else ing
    return Exposure(name=f"ingredient:{ing}" + (f"@{route}" if route else ""), title=title, ingredients=(ing,),
                    routes=(route,) if route else (), roles=roles)


def single_pt(pt: str) -> EventGroup:
    """An event group made of one PT."""
    if not pt.strip():
        raise DefinitionError("--event needs a PT name")
    return EventGroup(name=f"pt:{pt.strip()}", title=pt.strip(), pts=(pt.strip(),))


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DefinitionError(f"{where}: expected a list of strings")
    return tuple(value)


def _parse_file(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise DefinitionError(f"{path}: does not parse as TOML ({e})") from None


@cache
def load_definitions(folder: Path = DEFINITIONS_DIR) -> Definitions:
    """Read every ``*.toml`` of a definitions folder.

    Raises:
        DefinitionError: a file does not parse, a field has the wrong type, a name repeats, or a group refers to an
            unknown group.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DefinitionError(f"{folder}: no definitions folder")
    exposures: dict[str, Exposure] = {}
    raw_events: dict[str, dict] = {}
    settings_raw: dict = {}
    for path in sorted(folder.glob("*.toml")):
        if path.name in ("synonyms.toml", "timeline.toml"):  # the claim checker's words (explorer.claims); the
            continue  # dated events marked on over-time charts (explorer.analysis.timeline_events)
        data = _parse_file(path)
        for name, body in data.items():
            where = f"{path.name} [{name}]"
            if not isinstance(body, dict):
                raise DefinitionError(f"{where}: expected a table")
            if name in ("outbreak", "age_bands", "serious"):
                settings_raw[name] = body
            elif "pts" in body or "groups" in body or set(MEDDRA_FIELDS) & set(body):
                if name in raw_events or name in exposures:
                    raise DefinitionError(f"{where}: the name {name!r} is defined twice")
                raw_events[name] = {**body, "_where": where}
            else:
                if name in exposures or name in raw_events:
                    raise DefinitionError(f"{where}: the name {name!r} is defined twice")
                unknown = set(body) - {"title", "ingredients", "exclude_ingredients", "routes", "exclude_routes",
                                       "text_terms", "exclude_text_terms", "roles"}
                if unknown:
                    raise DefinitionError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
                roles = tuple(r.upper() for r in _strings(body.get("roles", ["PS", "SS"]), f"{where} roles"))
                if set(roles) - set(ROLES):
                    raise DefinitionError(f"{where}: roles must be among {', '.join(ROLES)}")
                exposures[name] = Exposure(
                    name=name, title=str(body.get("title", name)),
                    ingredients=tuple(i.lower() for i in _strings(body.get("ingredients", []), where)),
                    exclude_ingredients=tuple(i.lower() for i in _strings(body.get("exclude_ingredients", []), where)),
                    routes=_strings(body.get("routes", []), where),
                    exclude_routes=_strings(body.get("exclude_routes", []), where),
                    text_terms=tuple(t.lower() for t in _strings(body.get("text_terms", []), where)),
                    exclude_text_terms=tuple(t.lower() for t in _strings(body.get("exclude_text_terms", []), where)),
                    roles=roles,
                )
    events: dict[str, EventGroup] = {}
    meddra_groups: dict[str, tuple[EventGroup, MeddraTerms]] = {}
    unresolved: dict[str, str] = {}

    def resolve(name: str, seen: tuple[str, ...] = ()) -> tuple[tuple[str, ...], MeddraTerms]:
        if name in seen:
            raise DefinitionError(f"event group {name!r} includes itself")
        body = raw_events.get(name)
        if body is None:
            raise DefinitionError(f"event group {seen[-1]!r} refers to unknown group {name!r}")
        pts = list(_strings(body.get("pts", []), body["_where"]))
        terms = _meddra_terms(body)
        for sub in _strings(body.get("groups", []), body["_where"]):
            sub_pts, sub_terms = resolve(sub, (*seen, name))
            pts.extend(sub_pts)
            terms = terms | sub_terms
        return tuple(dict.fromkeys(pts)), terms

    for name, body in raw_events.items():
        pts, terms = resolve(name)
        events[name] = EventGroup(name, str(body.get("title", name)), pts)
        if terms:
            meddra_groups[name] = (events.pop(name), terms)
            unresolved[name] = (f"event group {name!r} names MedDRA terms ({terms.describe()}): import MedDRA into "
                                f"the database first ({MEDDRA_IMPORT_HINT})")
    try:
        ob = settings_raw["outbreak"]
        bands = {k: (float(v[0]), float(v[1])) for k, v in settings_raw.get("age_bands", {}).items()}
        settings = Settings(str(ob["ingredient"]).lower(), str(ob["event_group"]), ob["received_from"],
                            ob["received_to"], str(ob.get("title", "outbreak")), bands)
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise DefinitionError(f"{folder}: filters.toml needs [outbreak] and [age_bands] settings ({e})") from None
    if len(bands) > MAX_AGE_BANDS:
        raise DefinitionError(f"{folder}: filters.toml [age_bands] has {len(bands)} bands; at most {MAX_AGE_BANDS}")
    ranges = sorted(bands.values())
    if any(lo >= hi for lo, hi in ranges) or any(ranges[i][1] > ranges[i + 1][0] for i in range(len(ranges) - 1)):
        raise DefinitionError(f"{folder}: filters.toml [age_bands] must be ranges [lowest, highest) that do not "
                              f"overlap")
    if settings.outbreak_group not in events:
        raise DefinitionError(f"filters.toml [outbreak]: unknown event group {settings.outbreak_group!r}")
    return Definitions(exposures, events, settings, folder, meddra_groups, unresolved)


def _meddra_terms(body: dict) -> MeddraTerms:
    """The MedDRA terms an events.toml entry names (``smq`` with ``scope``, ``hlts``, ``hlgts``, ``socs``)."""
    where = body["_where"]
    smq = body.get("smq")
    scope = body.get("scope", "narrow")
    if smq is None and "scope" in body:
        raise DefinitionError(f"{where}: scope needs an smq")
    if smq is not None and (not isinstance(smq, str) or not smq.strip()):
        raise DefinitionError(f"{where}: smq must be the name (or code) of a Standardised MedDRA Query")
    if scope not in ("narrow", "broad"):
        raise DefinitionError(f"{where}: scope must be narrow or broad, not {scope!r}")
    return MeddraTerms(smqs=((smq.strip(), scope),) if smq else (),
                       hlts=_strings(body.get("hlts", []), f"{where} hlts"),
                       hlgts=_strings(body.get("hlgts", []), f"{where} hlgts"),
                       socs=_strings(body.get("socs", []), f"{where} socs"))


def terms_regex(terms: tuple[str, ...]) -> str:
    """A case-insensitive whole-word regex for text terms ('' when there are none)."""
    if not terms:
        return ""
    return r"\b(" + "|".join(re.escape(t.lower()) for t in terms) + r")\b"

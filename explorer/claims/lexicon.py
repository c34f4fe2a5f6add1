"""The claim check's lexicon (``queries/claims/lexicon.toml``): phrases for exposures, routes, events and cues.

Phrases are written once, in American spelling and singular; :func:`expand` adds the alternatives written as
``(a|b|)``, plurals and British spellings, so the reader matches "Kenalog-40 injections" and "epidural haematoma"
without the file listing them.
"""

from __future__ import annotations

import itertools
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from explorer.errors import ExplorerError

LEXICON = Path(__file__).resolve().parent.parent.parent / "queries" / "claims" / "lexicon.toml"
CUE_KINDS = ("existence", "weak_existence", "negation", "frequency", "causation", "association", "possibility", "recovery")  # noqa: E501
# American -> British spellings of medical words (applied to each phrase to add its British variant)
_BRITISH = (("hemorrh", "haemorrh"), ("hemato", "haemato"), ("ischem", "ischaem"), ("anesth", "anaesth"),
            ("edema", "oedema"), ("esthes", "aesthes"), ("lyzed", "lysed"), ("fecal", "faecal"), ("leukem", "leukaem"),
            ("glycem", "glycaem"), ("tumor", "tumour"), ("apnea", "apnoea"), ("diarrhea", "diarrhoea"),
            ("esophag", "oesophag"), ("behavior", "behaviour"), ("ization", "isation"), ("hypotensi", "hypotensi"))


class LexiconError(ExplorerError):
    """The lexicon file is missing, does not parse, or has an entry of the wrong shape."""


@dataclass(frozen=True)
class ExposureEntry:
    """An exposure the text can name."""

    key: str
    title: str
    exposure: str | None = None  # a named definition of exposures.toml
    ingredients: tuple[str, ...] = ()
    is_class: bool = False
    procedure: bool = False
    when_epidural: str | None = None


@dataclass(frozen=True)
class EventEntry:
    """An event the text can name: MedDRA PTs, or a named event group."""

    key: str
    title: str
    pts: tuple[str, ...] = ()
    group: str | None = None
    outcome: str | None = None  # counted by outcome code (DE) instead of PTs


@dataclass
class Lexicon:
    """Everything the reader matches, as {phrase: target} tables."""

    exposures: dict[str, ExposureEntry] = field(default_factory=dict)
    events: dict[str, EventEntry] = field(default_factory=dict)
    exposure_phrases: dict[str, str] = field(default_factory=dict)  # phrase -> exposure key
    drug_phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # phrase -> ingredients
    event_phrases: dict[str, str] = field(default_factory=dict)  # phrase -> event key
    route_phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # phrase -> canonical routes
    cues: dict[str, list[str]] = field(default_factory=dict)  # kind -> phrases
    generic_pts: frozenset[str] = frozenset()
    not_events: list[str] = field(default_factory=list)
    indications: list[str] = field(default_factory=list)
    window_blockers: frozenset[str] = frozenset()
    source: Path = LEXICON


def fold(text: str) -> str:
    """Lower case with accents removed, one character for one (offsets stay valid): 'Barré' -> 'barre'."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)[0] if ord(ch) > 127 else ch
        out.append(base if len(base) == 1 else ch)
    folded = "".join(out).lower()
    return folded if len(folded) == len(text) else text.lower()


def _alternatives(phrase: str) -> list[str]:
    """'epidural (hip|lumbar|) injection' -> the three phrases it stands for (spaces tidied)."""
    parts = re.split(r"(\([^()]*\))", phrase)
    choices = [p[1:-1].split("|") if p.startswith("(") and p.endswith(")") else [p] for p in parts]
    return [" ".join("".join(c).split()) for c in itertools.product(*choices)]


def _plural(word: str) -> str:
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def expand(phrase: str, plurals: bool = True) -> list[str]:
    """Every spelling a lexicon phrase stands for: alternatives, plural of its last word, British spelling."""
    out: list[str] = []
    for p in _alternatives(fold(phrase)):
        if not p:
            continue
        forms = [p]
        last = p.split(" ")[-1]
        if plurals and last.isalpha() and len(last) >= 3 and not last.endswith(("s", "ed", "ing", "ly")):
            forms.append(p[: len(p) - len(last)] + _plural(last))
        for form in list(forms):
            british = form
            for us, gb in _BRITISH:
                british = british.replace(us, gb)
            if british != form:
                forms.append(british)
        out.extend(forms)
    return list(dict.fromkeys(out))


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{where}: expected a list of strings")
    return value


@cache
def load_lexicon(path: Path = LEXICON) -> Lexicon:
    """Read and expand the lexicon file.

    Raises:
        LexiconError: the file is missing, is not TOML, or an entry has the wrong shape.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LexiconError(f"{path}: no lexicon file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise LexiconError(f"{path}: does not parse as TOML ({e})") from None
    lex = Lexicon(source=path)
    for key, body in raw.get("exposures", {}).items():
        where = f"{path.name} [exposures.{key}]"
        if not isinstance(body, dict):
            raise LexiconError(f"{where}: expected a table")
        entry = ExposureEntry(key=key, title=str(body.get("title", key)), exposure=body.get("exposure"),
                              ingredients=tuple(i.lower() for i in _strings(body.get("ingredients", []), where)),
                              is_class=bool(body.get("class", False)), procedure=bool(body.get("procedure", False)),
                              when_epidural=body.get("when_epidural"))
        if not entry.exposure and not entry.ingredients:
            raise LexiconError(f"{where}: needs `exposure` or `ingredients`")
        lex.exposures[key] = entry
        for phrase in _strings(body.get("phrases", []), where):
            for form in expand(phrase):
                lex.exposure_phrases[form] = key
    for name, ings in raw.get("drug_names", {}).items():
        for form in expand(name):
            lex.drug_phrases[form] = tuple(i.lower() for i in _strings(ings, f"{path.name} [drug_names] {name}"))
    for routes, phrases in raw.get("routes", {}).items():
        for phrase in _strings(phrases, f"{path.name} [routes] {routes}"):
            for form in expand(phrase, plurals=" " in phrase):
                lex.route_phrases[form] = tuple(routes.split("|"))
    for key, body in raw.get("events", {}).items():
        where = f"{path.name} [events.{key}]"
        if not isinstance(body, dict):
            raise LexiconError(f"{where}: expected a table")
        event = EventEntry(key=key, title=str(body.get("title", key)), pts=tuple(_strings(body.get("pts", []), where)),
                           group=body.get("group"), outcome=body.get("outcome"))
        if not event.pts and not event.group:
            raise LexiconError(f"{where}: needs `pts` or `group`")
        lex.events[key] = event
        for phrase in _strings(body.get("phrases", []), where):
            for form in expand(phrase):
                lex.event_phrases.setdefault(form, key)
    cues = raw.get("cues", {})
    for kind in (*CUE_KINDS, "concomitant", "indication_cues", "references"):
        lex.cues[kind] = [f for p in _strings(cues.get(kind, []), f"{path.name} [cues] {kind}")
                          for f in expand(p, plurals=False)]
    lex.window_blockers = frozenset(fold(w) for w in _strings(cues.get("window_blockers", []), "window_blockers"))
    lex.generic_pts = frozenset(fold(p) for p in _strings(raw.get("generic_pts", []), "generic_pts"))
    lex.not_events = [f for p in _strings(raw.get("not_events", []), "not_events") for f in expand(p, plurals=False)]
    lex.indications = [f for p in _strings(raw.get("indications", []), "indications") for f in expand(p)]
    return lex

"""Active ingredients of a FAERS drug row.

From 2014Q3 FDA codes the active ingredient(s) of each drug row in ``prod_ai`` (several joined by ``\\``). Earlier
rows, and rows FDA could not code, only have ``drugname``: a brand, a generic name, or verbatim text. Both are reduced
to active moieties in lower case (``METHYLPREDNISOLONE ACETATE`` -> ``methylprednisolone``); brands are resolved
through ``drug_names.csv``; generic names are recognised when their moiety is a known ingredient.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from functools import cache, partial
from importlib import resources

_TOKEN = re.compile(r"[A-Z0-9]+")
_STRENGTH = re.compile(r"\d+(\.\d+)?(MG|MCG|UG|G|ML|L|IU|U|UNITS?|MEQ|MMOL|PERCENT)?")
_NOISE = frozenset({
    "TABLET", "TABLETS", "TAB", "TABS", "CAPSULE", "CAPSULES", "CAP", "CAPS", "INJECTION", "INJECTIONS", "INJ",
    "INJECTABLE", "SOLUTION", "SOLN", "SUSPENSION", "SUSP", "CREAM", "OINTMENT", "GEL", "PATCH", "VIAL",
    "VIALS", "AMPULE", "AMPOULE", "SYRINGE", "PREFILLED", "ORAL", "IV", "IM", "USP", "PF", "MPF",
    "PRESERVATIVE", "FREE", "ER", "XR", "SR", "CR", "DR", "XL", "LA", "ODT", "FOR", "UNK", "UNKNOWN", "MG",
    "MCG", "ML", "KIT", "PEN", "FILM", "COATED", "EXTENDED", "RELEASE", "DELAYED", "SINGLE", "DOSE", "MULTI",
    "WITH", "W", "PLAIN", "GENERIC", "BRAND", "PRODUCT", "DRUG",
})
_COMBO = re.compile(r"\s*(?:/|\+|\\|;|,| AND | W/ | WITH )\s*")


def name_key(text: str) -> str:
    """Upper-case word tokens of a name joined by single spaces (``Solu?Medrol.`` -> ``SOLU MEDROL``)."""
    return " ".join(_TOKEN.findall(text.upper()))


@cache
def salt_words() -> frozenset[str]:
    text = resources.files("explorer.vocab").joinpath("salts.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().upper() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@cache
def brand_dictionary() -> dict[str, tuple[str, ...]]:
    """Map name keys of brands and other product names to their ingredients, from ``drug_names.csv``."""
    text = resources.files("explorer.vocab").joinpath("drug_names.csv").read_text(encoding="utf-8")
    return {
        name_key(row["name"]): tuple(i.strip() for i in row["ingredients"].split(";"))
        for row in csv.DictReader(ln for ln in text.splitlines() if not ln.startswith("#"))
    }


def active_moiety(name: str) -> str | None:
    """Reduce an ingredient name to its active moiety, in lower case.

    Salt, ester and hydrate words are removed from the end of the name, never its first word, so that
    ``SODIUM CHLORIDE`` and ``POTASSIUM CHLORIDE`` stay whole.

    >>> active_moiety("DEXAMETHASONE SODIUM PHOSPHATE")
    'dexamethasone'
    >>> active_moiety("SODIUM CHLORIDE")
    'sodium chloride'
    """
    words = name_key(name).split()
    if not words:
        return None
    salts = salt_words()
    if words[0] in salts:
        return " ".join(words).lower()
    while len(words) > 1 and words[-1] in salts:
        words.pop()
    return " ".join(words).lower()


def prod_ai_ingredients(prod_ai: str) -> tuple[str, ...]:
    """Split FDA's coded ``prod_ai`` on ``\\`` and reduce each part to its moiety, without repeats."""
    parts = (active_moiety(p) for p in prod_ai.split("\\"))
    return tuple(dict.fromkeys(p for p in parts if p))


def known_ingredients(extra: Iterable[str] = ()) -> frozenset[str]:
    """Moieties the resolver accepts as generic names: the dictionary's, plus ``extra`` (e.g. from prod_ai)."""
    base = {i for ings in brand_dictionary().values() for i in ings}
    return frozenset(base | set(extra))


def learn_names(pairs: Iterable[tuple[str, str, int]], min_reports: int = 3, agreement: float = 0.9) -> dict:
    """Learn product-name -> ingredient mappings from rows where FDA coded both ``drugname`` and ``prod_ai``.

    Args:
        pairs: (drugname, prod_ai, number of rows) triples.
        min_reports: a name must have at least this many coded rows.
        agreement: and this share of them must agree on one ingredient set.

    Returns:
        {name key: ingredients} for names that pass both tests.
    """
    from collections import Counter, defaultdict

    votes: dict[str, Counter] = defaultdict(Counter)
    for drugname, prod_ai, n in pairs:
        ings = prod_ai_ingredients(prod_ai)
        if ings:
            votes[name_key(drugname)][tuple(sorted(ings))] += n
    learned = {}
    for key, counter in votes.items():
        total = sum(counter.values())
        best, n = counter.most_common(1)[0]
        if key and total >= min_reports and n >= agreement * total:
            learned[key] = best
    return learned


def drugname_ingredients(
    drugname: str, known: frozenset[str], learned: dict[str, tuple[str, ...]] | None = None
) -> tuple[str, ...]:
    """Resolve a reported product name to ingredients, or () when it cannot be resolved with confidence.

    ``learned`` (from :func:`learn_names`) extends the brand dictionary; the shipped dictionary wins on conflicts.
    Tries, in order: the whole name as a brand; the name without strengths and dose-form words, as a brand or as a
    known generic (after salt reduction); the text in parentheses; each part of a combination (``A/B``); and last
    the first word as a brand. To resolve many names, :func:`ingredient_resolver` merges the dictionaries once.
    """
    return ingredient_resolver(known, learned)(drugname)


def ingredient_resolver(
    known: frozenset[str], learned: dict[str, tuple[str, ...]] | None = None
) -> Callable[[str], tuple[str, ...]]:
    """:func:`drugname_ingredients` for these ``known`` and ``learned`` names, as one function of the product name
    (the brand dictionary merged with the learned names once, not once per name)."""
    brands = brand_dictionary() if not learned else {**learned, **brand_dictionary()}
    return partial(_resolve_name, brands=brands, known=known)


def _resolve_name(drugname: str, brands: dict[str, tuple[str, ...]], known: frozenset[str]) -> tuple[str, ...]:

    def resolve(text: str) -> tuple[str, ...]:
        key = name_key(text)
        if not key:
            return ()
        if key in brands:
            return brands[key]
        core = " ".join(w for w in key.split() if w not in _NOISE and not _STRENGTH.fullmatch(w))
        if core in brands:
            return brands[core]
        moiety = active_moiety(core) if core else None
        if moiety in known:
            return (moiety,)
        return ()

    text = drugname.upper()
    outer = re.sub(r"\(.*?\)|\[.*?\]", " ", text)
    found = resolve(outer)
    if found:
        return found
    for inner in re.findall(r"\((.*?)\)|\[(.*?)\]", text):  # "BRAND (INGREDIENT)", "BRAND [INGREDIENT]"
        found = resolve(inner[0] or inner[1])
        if found:
            return found
    for alternative in outer.split("//"):  # "LACTULON//LACTULOSE": the same product named twice
        found = resolve(alternative) if "//" in outer else ()
        if found:
            return found
    parts = [p for p in _COMBO.split(f" {outer} ") if p.strip()]
    if len(parts) > 1:
        resolved = [resolve(p) for p in parts]
        if all(resolved):
            return tuple(dict.fromkeys(i for r in resolved for i in r))
    first = name_key(outer).split(" ", 1)[0]  # a brand followed by free text: "LIPITOR (PFIZER) PATIENT SUPPLIED"
    return brands.get(first, ())

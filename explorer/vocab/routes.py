"""Canonical route of administration.

FAERS ``route`` is free text: upper case through 2014 (``EPIDURAL``), title case later (``Epidural``), EDQM-style
terms from 2025 (``Epidural use``), with stray spaces. :func:`canonical_route` folds all of them onto one spelling,
FDA's current title-case term, using the variant table ``routes.csv``.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources


@cache
def _variants() -> dict[str, str]:
    text = resources.files("explorer.vocab").joinpath("routes.csv").read_text(encoding="utf-8")
    return {row["variant"]: row["route"] for row in csv.DictReader(text.splitlines())}


def route_key(raw: str) -> str:
    """Case-fold a raw route and collapse its white space."""
    return re.sub(r"\s+", " ", raw).strip().lower()


def canonical_route(raw: str | None) -> str | None:
    """Return the canonical route for a raw FAERS route value, or None for a blank one.

    >>> canonical_route(" EPIDURAL ")
    'Epidural'
    >>> canonical_route("Intravenous use")
    'Intravenous (not otherwise specified)'
    """
    if raw is None:
        return None
    key = route_key(raw)
    if not key:
        return None
    table = _variants()
    if key in table:
        return table[key]
    if key.endswith(" use") and key[:-4] in table:
        return table[key[:-4]]
    return key[:1].upper() + key[1:]

"""Vocabularies kept in the repo: routes, active ingredients and brand names, MedDRA PT spelling."""

from functools import cache
from importlib import resources


@cache
def observed_pts() -> tuple[str, ...]:
    """MedDRA PT names seen in FAERS's public quarterly files (``observed_pts.txt``), in FAERS's sentence case.

    The synthetic generator draws its background events from them; the claim check recognises them in article text
    whether or not the loaded quarters hold them, so an event absent from the data still gets a verdict.
    """
    text = resources.files("explorer.vocab").joinpath("observed_pts.txt").read_text(encoding="utf-8")
    return tuple(ln.strip()[0] + ln.strip()[1:].lower() for ln in text.splitlines() if ln.strip())

"""Verdicts: what the loaded FAERS quarters can and cannot say about each claim.

One verdict per (claim, exposure, event), never stronger than spontaneous reports allow:

| claim type | verdict | shown as |
|---|---|---|
| existence, possibility (hedge noted) | ``supported`` / ``not_found`` | "Reported: N cases" |  # noqa: E501
| negation | ``contradicted`` / ``consistent`` | "N reports exist" / "none found in the loaded quarters" |
| frequency | ``not_assessable`` | no denominator; the count is context, never a rate |
| causation, association | ``not_assessable`` | not proof; disproportionality shown as a reporting signal only |
| time course | ``consistent`` / ``not_consistent`` / ``not_assessable`` | "k of n within X days" |  # noqa: E501
| recovery | ``not_assessable`` | the files record outcomes, not recovery times |
"""

from __future__ import annotations

import math

VERDICTS = ("supported", "not_found", "contradicted", "consistent", "not_consistent", "not_assessable")
MIN_ONSETS = 5  # fewest onsets with full dates before a time-course claim is compared
LEGEND = {
    "supported": "The loaded quarters hold at least one current case report of this event after this "
                 "exposure. Reports show that the event was reported, not how often it happens or that the exposure "
                 "caused it.",
    "not_found": "No current case report of this event after this exposure in the loaded quarters. "
                 "Absence of reports is not evidence that the event cannot happen.",
    "contradicted": "The text says no such case has been reported, but the loaded quarters hold case "
                    "reports of it.",
    "consistent": "The data agree with what the text states (no case report found, or most onsets "
                  "within the stated window).",
    "not_consistent": "Fewer than half of the onsets with full dates fall within the window the text "
                      "states.",
    "not_assessable": "Spontaneous reports cannot answer this kind of claim (how often an event "
                      "occurs, whether a drug causes it, how it resolves), or too few reports have the dates needed.",
}
SHOWN_AS = {"supported": "Reported", "not_found": "Not found", "contradicted": "Contradicted",
            "consistent": "Consistent", "not_consistent": "Not consistent", "not_assessable": "Not assessable"}


def _s(n: int, word: str = "case report") -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def verdict(claim_type: str, evidence: dict) -> tuple[str, str]:
    """The verdict and its one-line evidence for a claim type, from the pair's evidence.

    Args:
        claim_type: one of the reader's claim types.
        evidence: ``cases`` (distinct current cases with the exposure and the event), and for time course
            ``onset`` (``n`` onsets with full dates, ``within`` of them inside ``window_days``).

    Returns:
        (verdict, evidence line).
    """
    n = evidence["cases"]
    if claim_type in ("existence", "possibility"):
        return ("supported", f"Reported: {_s(n)}") if n else ("not_found", "No case report in the loaded quarters")
    if claim_type == "negation":
        return ("contradicted", f"{_s(n, 'report')} exist") if n else (
            "consistent", "None found in the loaded quarters")
    if claim_type == "frequency":
        return "not_assessable", f"No denominator: {_s(n)} found, which is not a rate"
    if claim_type in ("causation", "association"):
        return "not_assessable", f"Reports cannot show causation ({_s(n)} found)"
    if claim_type == "recovery":
        return "not_assessable", "The files record outcomes, not recovery times"
    onset = evidence.get("onset") or {}
    k, total, window = onset.get("within"), onset.get("n", 0), evidence.get("window_days")
    if window is None or total < MIN_ONSETS or k is None:
        return "not_assessable", (f"Only {total} report(s) with full start and event dates (at least {MIN_ONSETS} "
                                  "needed)")
    line = f"{k} of {total} reports with full dates had onset within {_days(window)}"
    return ("consistent" if k / total >= 0.5 else "not_consistent"), line


def _days(days: float) -> str:
    if days < 1:
        hours = days * 24
        return f"{hours:g} hour{'s' if hours != 1 else ''}"
    return f"{days:g} day{'s' if days != 1 else ''}"


def fmt(x: float | None, digits: int = 2) -> str:
    """A number for text ('n/a' when undefined)."""
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def reading(finding: dict, synthetic: bool) -> str:
    """One sentence an editor can quote for a finding."""
    src = "the loaded synthetic demo data (not FDA data)" if synthetic else "FAERS (the loaded quarters)"
    n = finding["cases"]
    what = f"{finding['event_title'].lower()} after {finding['exposure_title']}"
    years = f", received {finding['first_year']}–{finding['last_year']}" if n else ""
    absent = f" ({finding['absent']})" if finding.get("absent") else ""
    v, t = finding["verdict"], finding["claim_type"]
    hedge = " The text states this as a possibility; reports show only that such cases were reported." \
        if finding.get("hedged") else ""
    if t in ("existence", "possibility"):
        if v == "supported":
            dups = finding.get("probable_duplicates") or 0
            flagged = f"; {dups} flagged as probable duplicates" if dups else ""
            return (f"{src[0].upper() + src[1:]} hold {_s(n, 'current case report')} of {what} ({finding['serious']} "
                    f"serious, {finding['deaths']} fatal{years}{flagged}): the event has been reported, which shows "
                    f"neither how often it occurs nor that the exposure caused it.{hedge}")
        return f"No current case report of {what} was found in {src}{absent}.{hedge}"
    if t == "negation":
        if v == "contradicted":
            return (f"The text says no such cases have been reported, but {src} hold {_s(n, 'current case report')} "
                    f"of {what}{years}.")
        return f"Consistent with the text: no current case report of {what} in {src}{absent}."
    if t == "frequency":
        return (f"{src[0].upper() + src[1:]} cannot say how often {what} occurs: spontaneous reports have no "
                f"denominator ({_s(n)} found; a count is not a rate).")
    if t in ("causation", "association"):
        s = finding.get("signal") or {}
        word = "causes" if t == "causation" else "is associated with"
        sig = (f" As a reporting signal only: ROR {fmt(s.get('ror'))} (95% CI {fmt((s.get('ror_ci') or [None])[0])}–"
               f"{fmt((s.get('ror_ci') or [None, None])[1])}), EB05 {fmt(s.get('eb05'))} (lower end of the 90% "
               "interval).") if n else ""
        return (f"Spontaneous reports cannot show that {finding['exposure_title']} {word} "
                f"{finding['event_title'].lower()} ({_s(n)} found).{sig}")
    if t == "recovery":
        return (f"{src[0].upper() + src[1:]} cannot confirm how {finding['event_title'].lower()} resolves: the files "
                "record outcomes (death, hospitalisation, disability), not recovery times.")
    onset = finding.get("onset") or {}
    if v in ("consistent", "not_consistent"):
        return (f"In {src}, {onset['within']} of {onset['n']} case reports of {what} with full start and event dates "
                f"had onset within {_days(finding['window_days'])} (median {fmt(onset.get('median'), 0)} days); "
                f"the text states \"{finding.get('window_text', '')}\".")
    return (f"{src[0].upper() + src[1:]} cannot check the stated onset of {what}: only {onset.get('n', 0)} report(s) "
            f"have full start and event dates (at least {MIN_ONSETS} needed).")

"""Claim check: what FAERS can and cannot say about a safety statement in an article.

The text is matched against an editable synonym file (queries/definitions/synonyms.toml) and the loaded vocabulary
(ingredients, brands, PT names) to find exposures and events; each sentence's wording says what kind of claim it
makes. Each exposure-event pair then gets a verdict per claim type:

- existence ("has been reported"): ``supported`` with the case counts, or ``not_found`` in the loaded quarters;
- frequency ("rare", "common", "%"): ``not_assessable`` (spontaneous reports have no denominator);
- causation ("causes", "due to"): ``not_assessable`` as proof; disproportionality is shown as a signal only;
- time course ("within a few days"): compared with the time to onset where enough onsets exist (``consistent`` or
  ``not_consistent``), else ``not_assessable``; recovery ("resolves") is ``not_assessable`` (the quarterly files
  record seriousness, not recovery).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from explorer import __version__, analysis
from explorer.definitions import DEFINITIONS_DIR, EventGroup, Exposure, single_pt
from explorer.errors import ExplorerError
from explorer.selection import Filters, Selection
from explorer.vocab.ingredients import brand_dictionary

CLAIM_TYPES = ("existence", "frequency", "causation", "time_course")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "a few": 3,
                "several": 5, "a couple of": 2, "a": 1}
UNIT_DAYS = {"hour": 1 / 24, "hours": 1 / 24, "day": 1, "days": 1, "week": 7, "weeks": 7}
GENERIC_PTS = {"pain", "fall", "death", "injury", "infection", "weakness", "headache", "malaise", "fatigue",
               "drug ineffective", "product use issue", "off label use", "no adverse event", "condition aggravated"}


class ClaimError(ExplorerError):
    """The claim text cannot be checked (empty, nothing recognisable, a bad definition file)."""


@dataclass
class Matched:
    """What was recognised in the text, with the words that matched."""

    exposures: list[tuple[str, Exposure]] = field(default_factory=list)
    events: list[tuple[str, EventGroup]] = field(default_factory=list)
    claim_words: dict[str, list[str]] = field(default_factory=dict)


@cache
def _synonyms(folder: Path) -> dict:
    path = folder / "synonyms.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClaimError(f"{path}: no synonym file") from None
    except tomllib.TOMLDecodeError as e:
        raise ClaimError(f"{path}: does not parse as TOML ({e})") from None


def _phrase_regex(phrase: str) -> re.Pattern:
    return re.compile(r"(?<![\w-])" + re.escape(phrase.lower()) + r"(?![\w-])")


def _spans(text: str, phrases: dict[str, object]) -> list[tuple[int, int, str, object]]:
    """Whole-word matches of the phrases, longest first, without overlaps."""
    found = []
    for phrase, target in phrases.items():
        for m in _phrase_regex(phrase).finditer(text):
            found.append((m.start(), m.end(), phrase, target))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int]] = []
    keep = []
    for start, end, phrase, target in found:
        if all(end <= s or start >= e for s, e in taken):
            taken.append((start, end))
            keep.append((start, end, phrase, target))
    return sorted(keep)


def _vocabulary(store: analysis.Store) -> tuple[list[str], list[str]]:
    ings = [r[0] for r in store.con.execute(
        "SELECT ingredient FROM ingredient_vocab ORDER BY n_drug_rows DESC, ingredient LIMIT 5000").fetchall()]
    pts = [r[0] for r in store.con.execute(
        "SELECT pt_name FROM pt_vocab ORDER BY n_cases DESC, pt_key LIMIT 20000").fetchall()]
    return ings, pts


def match(text: str, store: analysis.Store, folder: Path = DEFINITIONS_DIR) -> Matched:
    """Find exposures, events and claim words in a text."""
    defs = store.definitions
    syn = _synonyms(Path(folder))
    low = " ".join(text.lower().split())
    ingredients, pts = _vocabulary(store)

    exposure_phrases: dict[str, object] = {}
    for ing in ingredients:
        if len(ing) >= 4:
            exposure_phrases[ing] = ("ingredients", (ing,))
    for brand, ings in brand_dictionary().items():
        exposure_phrases.setdefault(brand.lower(), ("ingredients", ings))
    for phrase, ings in syn.get("drug_classes", {}).items():
        exposure_phrases[phrase.lower()] = ("ingredients", tuple(ings))
    for phrase, name in syn.get("exposure_phrases", {}).items():
        exposure_phrases[phrase.lower()] = ("named", name)

    event_phrases: dict[str, object] = {}
    for pt in pts:
        if pt and (" " in pt or len(pt) >= 8) and pt.lower() not in GENERIC_PTS:
            event_phrases[pt.lower()] = ("pts", (pt,))
    for phrase, target in syn.get("event_phrases", {}).items():
        event_phrases[phrase.lower()] = ("named", target) if isinstance(target, str) else ("pts", tuple(target))

    both = {**{p: ("exposure", t) for p, t in exposure_phrases.items()},
            **{p: ("event", t) for p, t in event_phrases.items()},
            # names of the database itself are not events ("FDA Adverse Event Reporting System")
            **{p.lower(): ("ignore", (None, None)) for p in syn.get("not_events", [])}}
    out = Matched()
    seen_e, seen_v = set(), set()
    for _, _, phrase, (kind, (how, target)) in _spans(low, both):
        if kind == "ignore":
            continue
        if kind == "exposure":
            exp = defs.exposure(target) if how == "named" else Exposure(
                name="ingredients:" + ",".join(target), title=", ".join(target), ingredients=tuple(target), roles=())
            if exp.name not in seen_e:
                seen_e.add(exp.name)
                out.exposures.append((phrase, exp))
        else:
            if how == "named":
                ev = defs.event(target)
            elif len(target) == 1:
                ev = single_pt(target[0])
            else:
                ev = EventGroup("pts:" + "|".join(target), ", ".join(target), tuple(target))
            if ev.name not in seen_v:
                seen_v.add(ev.name)
                out.events.append((phrase, ev))
    for ctype in CLAIM_TYPES:
        words = [w for w in syn.get("claim_words", {}).get(ctype, []) if _claim_word_in(w, low)]
        if words:
            out.claim_words[ctype] = words
    return out


def _claim_word_in(word: str, low: str) -> bool:
    if word == "%":
        return "%" in low
    return bool(_phrase_regex(word).search(low))


def _window_days(text: str) -> float | None:
    """The longest time window a text claims ("within a few days to a week" -> 7), in days."""
    low = text.lower()
    pattern = r"(\d+|a few|several|a couple of|one|two|three|four|five|six|seven|a)\s+(hours?|days?|weeks?)"
    windows = [(int(n) if n.isdigit() else NUMBER_WORDS[n]) * UNIT_DAYS[u] for n, u in re.findall(pattern, low)]
    return max(windows) if windows else None


def _fmt(x, digits=2):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _reading(claim_type: str, verdict: str, e: Exposure, v: EventGroup, ev: dict, synthetic: bool) -> str:
    """One sentence an editor can paste."""
    src = "The loaded synthetic demo data (not FDA data)" if synthetic else "FAERS"
    n, years = ev["cases"], f"{ev['first_year']}–{ev['last_year']}" if ev["cases"] else ""
    what = f"{v.title.lower()} after {e.title.lower()}"
    if claim_type == "existence":
        if verdict == "supported":
            dups = ev.get("probable_duplicates") or 0
            flagged = f"; {dups} flagged as probable duplicates of an earlier case" if dups else ""
            return (f"{src} holds {n} current case report{'s' if n != 1 else ''} of {what} ({years}; "
                    f"{ev['serious']} serious, {ev['deaths']} fatal{flagged}): such events have been reported, "
                    "which shows neither how often they occur nor that the injection caused them.")
        return f"No current case report of {what} is found in {src[0].lower() + src[1:]} for the loaded quarters."
    if claim_type == "frequency":
        return (f"{src} cannot say how common {what} is: spontaneous reports have no denominator "
                f"({n} case report{'s' if n != 1 else ''} found, which is not a rate).")
    if claim_type == "causation":
        s = ev["signal"]
        return (f"Spontaneous reports cannot prove that {e.title.lower()} causes {v.title.lower()}; "
                f"disproportionality (ROR {_fmt(s.get('ror'))}, EB05 {_fmt(s.get('eb05'))}) is a signal to "
                "investigate, not evidence of causation.")
    onset = ev["onset"]
    if verdict in ("consistent", "not_consistent"):
        return (f"In {onset['n']} case reports with full dates, the median time from injection to {v.title.lower()} "
                f"was {onset['median']:.0f} days (IQR {onset['q1']:.0f}–{onset['q3']:.0f}); "
                f"{onset['within_window']:.0%} fell within the {ev['window_days']:g} days the text states.")
    return (f"{src} cannot confirm the stated time course of {what}: "
            + ("the quarterly files record seriousness, not recovery." if ev.get("recovery_claim") else
               f"only {onset['n']} case report(s) have both dates."))


def check(store: analysis.Store, text: str, exposures: list[Exposure] | None = None,
          events: list[EventGroup] | None = None, filters: Filters | None = None,
          folder: Path = DEFINITIONS_DIR) -> dict:
    """Check a claim text against the loaded data.

    Args:
        store: an open store.
        text: the article's sentence(s).
        exposures, events: overrides of what the text matching finds (the user's corrections).
        filters: filters on the population (default none).

    Returns:
        ``{"findings": [...], "matched": {...}, "data": {...provenance...}, "text": text}``.

    Raises:
        ClaimError: empty text, or neither an exposure nor an event recognised (and none given).
    """
    if not text or not text.strip():
        raise ClaimError("the claim text is empty")
    found = match(text, store, folder)
    exp = list(exposures) if exposures else [e for _, e in found.exposures]
    evs = list(events) if events else [v for _, v in found.events]
    if not exp and not evs:
        raise ClaimError("found no drug or event in the text; name them with --exposure and --event-group/--event")
    if not exp:
        raise ClaimError("found no drug or exposure in the text; name it with --exposure or --ingredient")
    if not evs:
        raise ClaimError("found no adverse event in the text; name it with --event-group or --event")
    types = list(found.claim_words) or ["existence"]
    synthetic, _ = store.notice()
    filters = filters or Filters()
    window = _window_days(text)
    recovery = any(w in found.claim_words.get("time_course", []) for w in
                   ("resolves", "resolve", "resolved", "resolution", "goes away", "recover", "recovery"))
    findings = []
    for e in exp:
        for v in evs:
            sel = Selection(exposure=e, event=v, filters=filters)
            c = analysis.count(store, sel)
            sig = analysis.signal(store, sel)
            onset = analysis.time_to_onset(store, sel)
            days = onset.pop("days")["onset_days"]
            onset["within_window"] = float((days <= window).mean()) if window and len(days) else None
            ev = {"cases": c["n_cases"], "serious": c["n_serious"], "deaths": c["n_deaths"],
                  "probable_duplicates": c["n_probable_duplicates"],
                  "first_year": c["first_year"], "last_year": c["last_year"], "by_year": c["by_year"],
                  "signal": sig, "onset": onset, "window_days": window, "recovery_claim": recovery}
            for t in types:
                if t == "existence":
                    verdict = "supported" if c["n_cases"] > 0 else "not_found"
                elif t in ("frequency", "causation"):
                    verdict = "not_assessable"
                elif window and not recovery and onset["n"] >= 3:
                    verdict = "consistent" if onset["within_window"] >= 0.5 else "not_consistent"
                else:
                    verdict = "not_assessable"
                findings.append({
                    "exposure": e.name, "exposure_title": e.title, "event": v.name, "event_title": v.title,
                    "claim_type": t, "verdict": verdict, "cases": c["n_cases"], "serious": c["n_serious"],
                    "deaths": c["n_deaths"], "probable_duplicates": c["n_probable_duplicates"],
                    "first_year": c["first_year"], "last_year": c["last_year"],
                    "by_year": c["by_year"], "signal": {k: sig.get(k) for k in (
                        "a", "b", "c", "d", "expected", "prr", "prr_ci", "ror", "ror_ci", "ic", "ic025", "ic975",
                        "ebgm", "eb05", "eb95")},
                    "onset": onset, "reading": _reading(t, verdict, e, v, ev, synthetic),
                    "query_id": sel.query_id(),
                })
    return {"text": text, "findings": findings,
            "matched": {"exposures": [{"phrase": p, "exposure": e.name, "title": e.title} for p, e in found.exposures],
                        "events": [{"phrase": p, "event": v.name, "title": v.title, "pts": list(v.pts)}
                                   for p, v in found.events],
                        "claim_words": found.claim_words},
            "used": {"exposures": [asdict(e) for e in exp], "events": [asdict(v) for v in evs],
                     "filters": asdict(filters)},
            "data": provenance(store)}


def provenance(store: analysis.Store) -> dict:
    """What a methods section needs to quote about the data."""
    con = store.con
    synthetic, notice = store.notice()
    files = con.execute("SELECT quarter, file, sha256, rows_loaded, rows_rejected FROM load_log "
                        "ORDER BY quarter, file").fetchall()
    flow = con.execute("SELECT step, n, description FROM dedup_flow ORDER BY step_no").fetchall()
    lo, hi, loaded = con.execute("SELECT min(quarter), max(quarter), max(loaded_at) FROM load_log").fetchone()
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    return {"notice": notice, "synthetic": synthetic, "database": "FDA Adverse Event Reporting System (FAERS), "
            "quarterly data extracts; custodian: U.S. Food and Drug Administration",
            "quarters": f"{lo}–{hi}", "loaded_at": str(loaded), "built_at": meta.get("built_at"),
            "files": [{"quarter": q, "file": f, "sha256": s, "rows": r, "rejected": x} for q, f, s, r, x in files],
            "dedup_flow": [{"step": s, "n": n, "description": d} for s, n, d in flow],
            "tool": f"faers-explorer {__version__}", "checked_at": datetime.now(UTC).isoformat(timespec="seconds")}

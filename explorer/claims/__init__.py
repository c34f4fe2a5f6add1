"""Claim check: what the loaded FAERS quarters can and cannot say about the claims of an article.

The text is read sentence by sentence and clause by clause (:mod:`explorer.claims.reader`): each claim is one thing
a clause says about one exposure and one event (existence, negation, frequency, causation, association,
possibility, time course, recovery). Each claim then gets one verdict from the data (:mod:`explorer.claims.verdicts`),
never stronger than spontaneous reports allow.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path

from explorer import __version__, analysis
from explorer.claims.lexicon import LEXICON, Lexicon, LexiconError, load_lexicon
from explorer.claims.reader import CLAIM_TYPES, Claim, Mention, Sentence, read
from explorer.claims.verdicts import LEGEND, MIN_ONSETS, SHOWN_AS, VERDICTS, reading, verdict
from explorer.definitions import DEFINITIONS_DIR, EventGroup, Exposure
from explorer.errors import ExplorerError
from explorer.meddra import service as meddra_service
from explorer.selection import Filters, Selection
from explorer.store.reader import Store
from explorer.vocab import observed_pts

__all__ = ["CLAIM_TYPES", "LEGEND", "MIN_ONSETS", "SHOWN_AS", "VERDICTS", "ClaimError", "LexiconError", "check",
           "read_claims", "provenance"]

EPIDURAL_TEXT_TERMS = ("epidural", "transforaminal", "interlaminar", "caudal", "esi")


class ClaimError(ExplorerError):
    """The claim text cannot be checked (empty, or a correction names something unknown)."""


def _vocabulary(store: Store) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ings = tuple(r[0] for r in store.run("claim_ingredients").itertuples(index=False))
    loaded = tuple(r[0] for r in store.run("claim_pts").itertuples(index=False))
    # PTs seen in FAERS at large, so an event the loaded quarters lack is still recognised (and not found)
    seen = {p.lower() for p in loaded}
    pts = loaded + tuple(p for p in observed_pts() if p.lower() not in seen)
    return ings, pts


OVERRIDE = Mention("exposure", "override", "the exposure given", 0, 0, "")


def read_claims(store: Store, text: str, lexicon: Path = LEXICON, override: bool = False) -> list[Sentence]:
    """The sentences of a text with their claims (no data read but the vocabulary).

    With ``override``, a text that names no drug is read as being about the exposure the user gives.
    """
    if not text or not text.strip():
        raise ClaimError("the claim text is empty")
    ings, pts = _vocabulary(store)
    return read(text, load_lexicon(Path(lexicon)), ings, pts, default_exposure=OVERRIDE if override else None)


def resolve_exposure(m: Mention, store: Store, lex: Lexicon) -> Exposure:
    """The exposure definition a mention stands for (a named definition, a class, or ingredients by route)."""
    defs = store.definitions
    entry = lex.exposures.get(m.key)
    epidural = "Epidural" in m.routes
    if entry is not None:
        if entry.exposure:
            return defs.exposure(entry.exposure)
        if epidural and entry.when_epidural:
            return defs.exposure(entry.when_epidural)
        base = Exposure(name=f"class:{entry.key}", title=entry.title, ingredients=entry.ingredients)
    else:
        base = Exposure(name="ingredient:" + ",".join(m.ingredients), title=", ".join(m.ingredients),
                        ingredients=m.ingredients)
    if m.routes:
        route = "epidural" if epidural else m.routes[0].split(" (")[0].lower()
        base = replace(base, name=f"{base.name}@{route}", title=f"{route} {base.title}", routes=m.routes,
                       text_terms=EPIDURAL_TEXT_TERMS if epidural else ())
    return base


def resolve_event(m: Mention, store: Store, lex: Lexicon) -> EventGroup:
    """The event group a mention stands for."""
    entry = lex.events.get(m.key)
    if entry is not None and entry.group:
        group = store.definitions.event(entry.group)
        return replace(group, name=f"claim:{entry.key}", title=entry.title)
    if entry is not None and entry.outcome:
        return EventGroup(f"outcome:{entry.outcome}", entry.title, entry.pts)
    if entry is not None:
        return EventGroup(f"claim:{entry.key}", entry.title, entry.pts)
    return EventGroup(f"pt:{m.pts[0]}", m.pts[0], m.pts)


def check(store: Store, text: str, exposures: list[Exposure] | None = None,
          events: list[EventGroup] | None = None, filters: Filters | None = None,
          folder: Path = DEFINITIONS_DIR, lexicon: Path = LEXICON,
          corrections: dict[int, dict] | None = None) -> dict:
    """Check the claims of a text against the loaded data.

    Args:
        store: an open store.
        text: the article's words (a sentence or a paragraph).
        exposures, events: overrides: when given, every claim is about these exposures (events) instead of the
            ones the text names; a text with no claim gets an existence claim for each pair.
        filters: filters on the population (default none).
        folder: the definitions folder (unused; the store carries its definitions).
        lexicon: the lexicon file.
        corrections: the user's corrections by claim number: ``{n: {"exposure": Exposure, "event": EventGroup,
            "claim_type": str, "drop": bool}}``.

    Returns:
        ``text``, ``sentences`` (what was read in each), ``findings`` (one per claim: verdict, evidence, reading),
        ``used`` (the exposures and events counted), ``legend`` and ``data`` (provenance).

    Raises:
        ClaimError: the text is empty, or a claim type given in a correction is unknown.
    """
    del folder
    lex = load_lexicon(Path(lexicon))
    sentences = read_claims(store, text, lexicon, override=bool(exposures))
    filters = filters or Filters()
    synthetic, _ = store.notice()
    known_ings = set(_vocabulary(store)[0])
    known_pts = {p.lower() for p in _vocabulary(store)[1]}
    claims: list[tuple[Sentence, Claim, Exposure, EventGroup]] = []
    for s in sentences:
        for c in s.claims:
            exposure = (exposures[0] if c.exposure is OVERRIDE and exposures
                        else resolve_exposure(c.exposure, store, lex))
            claims.append((s, c, exposure, resolve_event(c.event, store, lex)))
    if exposures or events:
        claims = _override(claims, sentences, text, exposures, events)
    findings: list[dict] = []
    cache: dict[tuple, dict] = {}
    for n, (s, c, exp, ev) in enumerate(claims):
        fix = (corrections or {}).get(n, {})
        if fix.get("drop"):
            continue
        exp, ev = fix.get("exposure", exp), fix.get("event", ev)
        ctype = fix.get("claim_type", c.claim_type)
        if ctype not in CLAIM_TYPES:
            raise ClaimError(f"unknown claim type {ctype!r}; one of {', '.join(CLAIM_TYPES)}")
        evidence = _evidence(store, exp, ev, filters, cache, need_onset=ctype == "time_course",
                             need_signal=ctype in ("causation", "association"))
        onset = None
        if ctype == "time_course":
            days = evidence["onset_days"]
            window = c.window_days
            onset = {k: v for k, v in evidence["onset"].items()}
            onset["within"] = int((days <= window).sum()) if window is not None and len(days) else None
            onset["days"] = [float(d) for d in days]
        v, line = verdict(ctype, {"cases": evidence["cases"], "onset": onset, "window_days": c.window_days})
        absent = _absent(exp, ev, known_ings, known_pts)
        finding = {
            "claim": n, "sentence": s.index, "clause": c.clause, "quote": c.quote,
            "exposure": exp.name, "exposure_title": exp.title, "exposure_words": c.exposure.text,
            "route_words": c.exposure.route_words, "event": ev.name, "event_title": ev.title,
            "event_words": c.event.text, "pts": list(ev.pts), "claim_type": ctype, "cue_words": c.cues,
            "hedged": c.hedged, "inherited": c.inherited, "implicit": c.implicit, "verdict": v, "evidence": line,
            "shown_as": SHOWN_AS[v], "cases": evidence["cases"], "serious": evidence["serious"],
            "deaths": evidence["deaths"], "probable_duplicates": evidence["probable_duplicates"],
            "first_year": evidence["first_year"], "last_year": evidence["last_year"], "by_year": evidence["by_year"],
            "absent": absent, "window_days": c.window_days if ctype == "time_course" else None,
            "window_text": c.window_text if ctype == "time_course" else "", "corrected": bool(fix),
            "query_id": Selection(exposure=exp, event=ev, filters=filters).query_id(),
        }
        if onset is not None:
            finding["onset"] = onset
        if ctype in ("causation", "association"):
            finding["signal"] = evidence["signal"]
        finding["reading"] = reading(finding, synthetic)
        findings.append(finding)
    used_e: dict[str, Exposure] = {}
    used_v: dict[str, EventGroup] = {}
    for n, (_, _, exp, ev) in enumerate(claims):
        fix = (corrections or {}).get(n, {})
        if fix.get("drop"):
            continue
        exp, ev = fix.get("exposure", exp), fix.get("event", ev)
        used_e.setdefault(exp.name, exp)
        used_v.setdefault(ev.name, ev)
    return {
        "text": text,
        "sentences": [_sentence_json(s, findings) for s in sentences],
        "findings": findings,
        "used": {"exposures": [asdict(e) for e in used_e.values()], "events": [asdict(v) for v in used_v.values()],
                 "filters": asdict(filters)},
        "legend": {k: LEGEND[k] for k in VERDICTS},
        "overrides": bool(exposures or events),
        "data": provenance(store),
    }


def _override(claims: list, sentences: list[Sentence], text: str, exposures: list[Exposure] | None,
              events: list[EventGroup] | None) -> list:
    """Claims about the user's exposures/events instead of the recognised ones."""
    out = []
    if not claims and exposures and events:
        s = sentences[0] if sentences else Sentence(0, text, 0, len(text))
        dummy_e = Mention("exposure", "override", "", 0, 0, "")
        dummy_v = Mention("event", "override", "", 0, 0, "")
        for exp in exposures:
            for ev in events:
                out.append((s, Claim(s.index, 0, text.strip(), 0, len(text), dummy_e, dummy_v, "existence",
                                     implicit=True), exp, ev))
        return out
    seen = set()
    for s, c, exp, ev in claims:
        for e2 in (exposures or [exp]):
            for v2 in (events or [ev]):
                key = (s.index, e2.name, v2.name, c.claim_type)
                if key not in seen:
                    seen.add(key)
                    out.append((s, c, e2, v2))
    return out


def _absent(exp: Exposure, ev: EventGroup, ings: set[str], pts: set[str]) -> str:
    missing = []
    if exp.ingredients and not any(i in ings for i in exp.ingredients):
        missing.append(f"{exp.title} is absent from the loaded quarters")
    if ev.pts and not any(p.lower() in pts for p in ev.pts):
        missing.append(f"{ev.title} is not among the loaded reactions")
    return "; ".join(missing)


def _evidence(store: Store, exp: Exposure, ev: EventGroup, filters: Filters, cache: dict,
              need_onset: bool, need_signal: bool) -> dict:
    key = (exp, ev, filters)
    got = cache.get(key)
    sel = Selection(exposure=exp, event=ev, filters=filters)
    if ev.name.startswith("outcome:"):
        # "deaths have been reported": cases with a fatal outcome, whatever PT was coded
        sel = Selection(exposure=exp, event=None, filters=replace(filters, outcome_codes=(ev.name.split(":", 1)[1],)))
    if got is None:
        c = analysis.count(store, sel)
        got = {"cases": c["n_cases"], "serious": c["n_serious"], "deaths": c["n_deaths"],
               "probable_duplicates": c["n_probable_duplicates"], "first_year": c["first_year"],
               "last_year": c["last_year"], "by_year": c["by_year"]}
        cache[key] = got
    if need_onset and "onset" not in got:
        onset = analysis.time_to_onset(store, sel)
        got["onset_days"] = onset.pop("days")["onset_days"]
        got["onset"] = onset
    if need_signal and "signal" not in got and sel.event is None:
        got["signal"] = {}
    if need_signal and "signal" not in got:
        sig = analysis.signal(store, sel)
        got["signal"] = {k: sig.get(k) for k in ("a", "b", "c", "d", "prr", "prr_ci", "ror", "ror_ci", "ic", "ic025",
                                                 "ic975", "ebgm", "eb05", "eb95")}
    return got


def _mention_json(m: Mention) -> dict:
    return {"words": m.text, "key": m.key, "title": m.title, "routes": list(m.routes), "route_words": m.route_words,
            "role": m.role, "negated": m.negated, "start": m.start, "end": m.end}


def _sentence_json(s: Sentence, findings: list[dict]) -> dict:
    return {"index": s.index, "text": s.text, "start": s.start, "end": s.end,
            "exposures": [_mention_json(m) for m in s.exposures],
            "events": [_mention_json(m) for m in s.events],
            "findings": [i for i, f in enumerate(findings) if f["sentence"] == s.index]}


def provenance(store: Store) -> dict:
    """What a methods section needs to quote about the data."""
    synthetic, notice = store.notice()
    files = store.run("claim_files")
    flow = store.run("dedup_flow")
    span = store.run("claim_data_span").iloc[0]
    meta = dict(store.run("claim_meta").itertuples(index=False))
    return {"notice": notice, "synthetic": synthetic, "database": "FDA Adverse Event Reporting System (FAERS), "
            "quarterly data extracts; custodian: U.S. Food and Drug Administration",
            "quarters": f"{span['first_quarter']}–{span['last_quarter']}", "loaded_at": str(span["loaded_at"]),
            "built_at": meta.get("built_at"),
            "files": [{"quarter": r.quarter, "file": r.file, "sha256": r.sha256, "rows": int(r.rows_loaded),
                       "rejected": int(r.rows_rejected)} for r in files.itertuples(index=False)],
            "dedup_flow": [{"step": r.step, "n": int(r.n), "description": r.description}
                           for r in flow.itertuples(index=False)],
            "meddra": meddra_service.version_label(store),
            "tool": f"faers-explorer {__version__}", "checked_at": datetime.now(UTC).isoformat(timespec="seconds")}

"""Read article prose into claims: sentences, clauses, exposures and events, and what each clause says of them.

The pipeline is spaCy's blank English (tokenizer and sentencizer, no model download), an entity ruler fed from the
lexicon (exposures, drug names, routes, events, indications), a phrase matcher for the claim cues, and negspacy's
NegEx (clinical termsets plus our own cue phrases) for negation. What spaCy does not do for us is written here as
rules over its tokens: clause boundaries, binding routes and roles to drugs, indications, onset windows, pairing
exposures with events, and choosing each claim's type.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from explorer.claims.lexicon import CUE_KINDS, Lexicon, fold

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import PhraseMatcher
    from spacy.pipeline import EntityRuler
    from spacy.tokens import Doc, Span

    Cues = list[tuple[str, Span]]  # (cue kind, the cue's words) of a sentence

LABELS = ("EXPOSURE", "DRUG", "EVENT", "ROUTE", "INDICATION", "IGNORE")
CLAIM_TYPES = ("existence", "negation", "frequency", "causation", "association", "possibility", "time_course",
               "recovery")
# connectives that open a new clause after a comma
_CLAUSE_OPENERS = {"but", "whereas", "while", "although", "though", "however", "yet", "and", "or", "so", "whilst",
                   "since", "which", "who", "unless", "except"}
_ALWAYS_SPLIT = {"but", "whereas", "although", "though", "however", "yet", "whilst", "while", "unless", "except"}
_MODALS = {"may", "might", "could", "can", "would", "possibly", "potentially", "perhaps"}
_PSEUDO_NEGATIONS = ["no shortage of", "no lack of",
                     "not uncommon", "not rare", "not infrequent", "not infrequently", "not unusual", "not only",
                     "no longer", "cannot be excluded", "cannot be ruled out", "not necessarily", "not always",
                     "not be ruled out", "not be excluded", "no doubt", "not clear", "not known", "not well",
                     "no increase", "not limited to", "not uncommonly", "without delay"]
_NEG_PRECEDING = ["no cases of", "no case of", "no reports of", "no report of", "never", "no instances of",
                  "not a single case of", "there were no", "there have been no", "there has been no", "absence of",
                  "none of the patients had", "no patient had", "no patients had", "zero cases of"]
_NEG_FOLLOWING = ["has never been reported", "have never been reported", "has not been reported",
                  "have not been reported", "was not reported", "were not reported", "has never been described",
                  "have never been described", "has not been described", "have not been described", "never occurred",
                  "has never occurred", "have never occurred", "was not observed", "were not observed",
                  "has not been observed", "have not been observed", "did not occur", "does not occur",
                  "has yet to be reported", "have yet to be reported", "is not reported", "are not reported",
                  "was never reported", "were never reported", "has not been seen", "have not been seen",
                  "has never been seen", "have never been seen", "not been documented", "never been documented"]
_INDICATION_BLOCKERS = {"risk", "risks", "hospitalized", "hospitalised", "admitted", "treated", "evaluated",
                        "monitored", "screened", "tested", "watch", "admission", "surgery", "reported", "seen",
                        "searched", "search", "looked", "look", "account", "accounts", "responsible", "sign",
                        "signs", "cause", "causes", "mechanism"}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
                "twenty": 20, "thirty": 30, "forty-eight": 48, "twenty-four": 24, "seventy-two": 72, "a few": 3,
                "a couple of": 2, "a couple": 2, "few": 3, "several": 5, "the first": 1, "first": 1}
UNIT_DAYS = {"minute": 1 / 1440, "min": 1 / 1440, "hour": 1 / 24, "hr": 1 / 24, "h": 1 / 24, "day": 1, "week": 7,
             "month": 30}
_NUM = r"(\d+(?:\.\d+)?|a few|a couple(?: of)?|several|few|an|a|one|two|three|four|five|six|seven|eight|nine|ten|" \
       r"eleven|twelve|fourteen|fifteen|twenty|thirty|twenty-four|forty-eight|seventy-two)"
_UNIT = r"(minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?)"
_RANGE = rf"{_NUM}(?:\s*(?:-|–|to|or)\s*{_NUM})?\s*-?\s*{_UNIT}"
_WINDOW_BEFORE = re.compile(rf"\b(within|in|during|over|by|up to|after|at|before)\s+(?:the\s+)?(?:first\s+|next\s+|"
                            rf"initial\s+|following\s+)?{_RANGE}\b")
_WINDOW_AFTER = re.compile(rf"\b{_RANGE}\s+(?:after|following|of|post|from|later|afterwards)\b")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "1st": 1,
             "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}
_WINDOW_ORDINAL = re.compile(r"\b(on|by|before|within|no later than|until) (the )?(first|second|third|fourth|fifth|"
                             r"sixth|seventh|1st|2nd|3rd|4th|5th) (day|week|month)\b")
_WINDOW_WORDS = re.compile(r"\b(immediately|right) (after|following|afterwards)\b|\bimmediately\b|"
                           r"\b(the )?(following|next) (morning|evening|night)\b|\bwithin the first (month|year)\b|"
                           r"\b(within|in) (minutes|hours|moments|seconds)\b|\b(within|in) (days|a day)\b|"
                           r"\b(the )?(same|next|following) day\b|\bovernight\b|\bwithin (weeks|a week)\b|"
                           r"\b(the )?first (day|week|24 hours)\b")
# "has not, to our knowledge, been reported": a negated report with words between
_NEGATED_REPORT = re.compile(r"\b(has|have|had|was|were|is|are)\s+(not|never)\b[^.;]{0,45}?\b(been\s+)?(reported|"
                             r"described|documented|observed|seen|noted|identified|found)\b|\b(none|no one|nobody|"
                             r"not one|neither)\b[^.;]{0,60}?\b(developed|had|experienced|suffered|showed|reported|"
                             r"sustained|mentioned|described|included|listed|contained|noted)\b")
# "in at least two published cases", "both reported cases": counts of reports say reports exist
_REPORT_COUNT = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|dozens of|several|both|a few|"
                           r"a handful of) (published |reported |documented |similar |such |further |other |)"
                           r"(case reports|cases|reports|report|case)\b|\b(in|among) (two|three|four|five|six|seven|"
                           r"eight|nine|ten|several|\d+) (patients|people|women|men|children)\b(?! (of|out of))")
_FREQ_NUMBER = re.compile(r"\b(\d[\d,\.]*|one|a|an|two|three|four|five|six|seven|eight|nine|ten)\s+(in|out of|of every|"
                          r"per|of the|of)\s+(every\s+)?(\d[\d,\.]*|a? ?hundred|a? ?thousand|a? ?million|ten thousand|"
                          r"hundred thousand)\b|\d+(\.\d+)?\s*(%|percent|per cent)(?!\s*(ci|confidence|credib))")  # noqa: E501


@dataclass
class Mention:
    """An exposure or event named in the text."""

    kind: str  # "exposure" | "event"
    key: str  # lexicon key, "drug:<ingredients>", or "pt:<PT>"
    title: str
    start: int
    end: int
    text: str
    ingredients: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    route_words: str = ""
    role: str = "suspect"  # suspect | concomitant | indication
    negated: bool = False
    pts: tuple[str, ...] = ()

    def ident(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.kind, self.key, self.routes)


@dataclass
class Claim:
    """One thing a clause says about one exposure and one event."""

    sentence: int
    clause: int
    quote: str
    start: int
    end: int
    exposure: Mention
    event: Mention
    claim_type: str
    cues: list[str] = field(default_factory=list)
    hedged: bool = False
    negative: bool = False
    window_days: float | None = None
    window_text: str = ""
    inherited: bool = False
    implicit: bool = False


@dataclass
class Sentence:
    """A sentence of the text with what the reader found in it."""

    index: int
    text: str
    start: int
    end: int
    exposures: list[Mention] = field(default_factory=list)
    events: list[Mention] = field(default_factory=list)
    ignored: list[Mention] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    note: str = ""
    # what the reader keeps of the sentence for pairing: token ranges of its clauses, its cues, the parsed text and
    # the offsets of pseudo-negations ("not uncommon") in it
    clauses: list[tuple[int, int]] = field(default_factory=list, init=False, repr=False, compare=False)
    _cues: Cues = field(default_factory=list, init=False, repr=False, compare=False)
    _doc: Doc | None = field(default=None, init=False, repr=False, compare=False)
    _pseudo: list[int] = field(default_factory=list, init=False, repr=False, compare=False)


@lru_cache(maxsize=4)
def _pipeline(lex_id: int, vocab_key: tuple[int, ...]) -> tuple[Language, PhraseMatcher]:
    """The spaCy pipeline for a lexicon and a loaded vocabulary (built once, then reused)."""
    import spacy
    from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)
    from negspacy.termsets import termset

    lex, ingredients, pts = _PIPELINE_INPUTS[(lex_id, vocab_key)]
    _register()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    # add_pipe is typed as returning any component; "entity_ruler" makes an EntityRuler
    ruler = cast("EntityRuler", nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER",
                                                                     "overwrite_ents": True}))
    patterns: list[dict] = []
    seen: set[str] = set()

    def add(label: str, phrase: str, ident: str) -> None:
        key = fold(phrase)
        if key and key not in seen:
            seen.add(key)
            patterns.append({"label": label, "pattern": key, "id": ident})

    # order matters only between equal phrases: the first kind listed wins
    for phrase in lex.not_events:
        add("IGNORE", phrase, "ignore")
    for phrase, key in lex.exposure_phrases.items():
        add("EXPOSURE", phrase, key)
    for phrase, ings in lex.drug_phrases.items():
        add("DRUG", phrase, ";".join(ings))
    for phrase, key in lex.event_phrases.items():
        add("EVENT", phrase, key)
    for phrase in lex.indications:
        add("INDICATION", phrase, "indication")
    for phrase, routes in lex.route_phrases.items():
        add("ROUTE", phrase, "|".join(routes))
    for ing in ingredients:
        if len(ing) >= 5:
            add("DRUG", ing, ing)
    for pt in pts:
        low = fold(pt)
        if low not in lex.generic_pts and (" " in low or len(low) >= 7):
            add("EVENT", low, "pt:" + pt)
    ruler.add_patterns(patterns)
    nlp.add_pipe("drug_name_stems")
    ts = termset("en_clinical")
    ts.add_patterns({"pseudo_negations": _PSEUDO_NEGATIONS, "preceding_negations": _NEG_PRECEDING,
                     "following_negations": _NEG_FOLLOWING,
                     "termination": ["but", "however", "although", "though", "whereas", "while", "yet", "except",
                                     "which", "whilst", ";"]})
    nlp.add_pipe("negex", config={"neg_termset": ts.get_patterns(), "ent_types": ["EXPOSURE", "DRUG", "EVENT"],
                                  "chunk_prefix": ["no"]})
    from spacy.matcher import PhraseMatcher

    cues = PhraseMatcher(nlp.vocab, attr="LOWER")
    for kind in (*CUE_KINDS, "concomitant", "indication_cues", "references"):
        cues.add(kind, [nlp.make_doc(p) for p in lex.cues.get(kind, [])])
    return nlp, cues


_PIPELINE_INPUTS: dict[tuple[int, tuple[int, ...]], tuple[Lexicon, tuple[str, ...], tuple[str, ...]]] = {}
# International nonproprietary name stems: a word ending so is a drug even when neither the lexicon nor the loaded
# data name it ("nusinersen", "evolocumab"), so a drug absent from the data still gets a verdict
DRUG_STEMS = re.compile(r"^[a-z]{3,}(mab|nib|rsen|vir|pril|olol|azole|caine|sone|olone|mycin|cillin|statin|parin|"
                        r"xaban|gatran|lukast|setron|prazole|tidine|dronate|gliptin|gliflozin|floxacin|cycline|"
                        r"triptan|sartan|dipine|azepam|azolam|barbital|fentanil|morphone|codone|tinib|ciclib|"
                        r"platin|rubicin|glutide|tide|cept|kinra|lizumab|ximab|zumab|umab|fungin|conazole)$")


def _drug_name_stems(doc: Doc) -> Doc:
    """Add DRUG entities for words with a drug-name stem that nothing else recognised."""
    from spacy.tokens import Span

    taken = {i for e in doc.ents for i in range(e.start, e.end)}
    extra = [Span(doc, t.i, t.i + 1, label="DRUG", span_id=t.lower_) for t in doc
             if t.i not in taken and t.is_alpha and DRUG_STEMS.match(t.lower_)]
    if extra:
        doc.ents = sorted([*doc.ents, *extra], key=lambda e: e.start)
    return doc


def _register() -> None:
    from spacy.language import Language

    if "drug_name_stems" not in Language.factories:
        Language.component("drug_name_stems", func=_drug_name_stems)


def pipeline(lex: Lexicon, ingredients: tuple[str, ...] = (),
             pts: tuple[str, ...] = ()) -> tuple[Language, PhraseMatcher]:
    """The (nlp, cue matcher) pair for a lexicon and the loaded vocabulary, loaded once per process."""
    vocab_key = (len(ingredients), hash(ingredients), len(pts), hash(pts))
    _PIPELINE_INPUTS[(id(lex), vocab_key)] = (lex, ingredients, pts)
    return _pipeline(id(lex), vocab_key)


def _clauses(sent: Span, cue_spans: list[Span]) -> list[tuple[int, int]]:
    """Token ranges of a sentence's clauses."""
    bounds = [sent.start]
    cue_starts = {s.start for s in cue_spans}
    toks = list(sent)
    for i, tok in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        low = tok.lower_
        boundary = low in (";", "—", "–") or (low == ":" and i > 2) or (
            low == "-" and tok.whitespace_ and i > 0 and toks[i - 1].whitespace_)
        # ", as this could be a sign of ...": a new clause about what came before
        as_this = low == "," and nxt is not None and nxt.lower_ == "as" and i + 2 < len(toks) and \
            toks[i + 2].lower_ in ("this", "these", "it", "they", "such")
        if boundary or as_this:
            bounds.append(tok.i + 1)
        elif low == "," and nxt is not None and nxt.lower_ in _CLAUSE_OPENERS:
            if nxt.lower_ in _ALWAYS_SPLIT:
                bounds.append(tok.i + 1)
            else:
                # ", and" / ", which" open a clause only when what follows says something of its own
                end = next((t.i for t in toks[i + 2:] if t.lower_ in (",", ";")), sent.end)
                if any(s in cue_starts for s in range(nxt.i + 1, end)):
                    bounds.append(tok.i + 1)
        elif low in ("whereas", "although", "though", "whilst") and i > 0 and toks[i - 1].lower_ != ",":
            bounds.append(tok.i)
    bounds.append(sent.end)
    out = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        if b > a:
            out.append((a, b))
    return out


def _numberish(word: str) -> float | None:
    word = word.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", word):
        return float(word)
    return NUMBER_WORDS.get(word)


def onset_windows(text: str) -> list[tuple[int, int, float]]:
    """Onset windows stated in a text: (start, end, days) for "within 24 hours", "5 days after", "immediately"."""
    found = []
    for rx in (_WINDOW_BEFORE, _WINDOW_AFTER):
        for m in rx.finditer(text):
            groups = [g for g in m.groups() if g]
            unit = groups[-1].rstrip("s")
            unit = {"min": "min", "minute": "minute", "hr": "hr", "h": "h"}.get(unit, unit)
            nums = [n for n in map(_numberish, groups[:-1]) if n is not None]
            if not nums or unit not in UNIT_DAYS:
                continue
            days = max(nums) * UNIT_DAYS[unit]
            # hours and minutes count as whole days: onsets are recorded in days (48 hours -> 2, 6 hours -> 1)
            found.append((m.start(), m.end(), float(math.ceil(days - 1e-9)) if days < 30 else days))
    for m in _WINDOW_ORDINAL.finditer(text):
        n, unit = _ORDINALS[m.group(3)], m.group(4)
        found.append((m.start(), m.end(), float(n * {"day": 1, "week": 7, "month": 30}[unit])))
    for m in _WINDOW_WORDS.finditer(text):
        word = m.group(0)
        if re.match(r"(immediately|right|within minutes|in minutes|within moments|within seconds|the same day|same day)",  # noqa: E501
                    word):
            days = 0.0
        elif "month" in word or "year" in word:
            days = 30.0 if "month" in word else 365.0
        elif "week" in word:
            days = 7.0 if "first" in word or "a week" in word else 28.0
        else:
            days = 7.0 if "days" in word else 1.0
        found.append((m.start(), m.end(), days))
    # "within a few days to a week": one window, the longest stated
    found.sort()
    merged: list[tuple[int, int, float]] = []
    for s, e, d in found:
        if merged and s <= merged[-1][1] + 4:
            ps, pe, pd_ = merged[-1]
            merged[-1] = (ps, max(pe, e), max(pd_, d))
        else:
            merged.append((s, e, d))
    return merged


def _exposure_from(span: Span, lex: Lexicon) -> Mention:
    ident = span.ent_id_
    if span.label_ == "EXPOSURE":
        entry = lex.exposures[ident]
        return Mention("exposure", ident, entry.title, span.start_char, span.end_char, span.text,
                       ingredients=entry.ingredients)
    ings = tuple(ident.split(";"))
    return Mention("exposure", "drug:" + ";".join(ings), ", ".join(ings), span.start_char, span.end_char, span.text,
                   ingredients=ings)


def _event_from(span: Span, lex: Lexicon) -> Mention:
    ident = span.ent_id_
    if ident.startswith("pt:"):
        return Mention("event", ident, ident[3:], span.start_char, span.end_char, span.text, pts=(ident[3:],))
    entry = lex.events[ident]
    return Mention("event", ident, entry.title, span.start_char, span.end_char, span.text, pts=entry.pts)


def read(text: str, lex: Lexicon, ingredients: tuple[str, ...] = (), pts: tuple[str, ...] = (),
         default_exposure: Mention | None = None) -> list[Sentence]:
    """Split a text into sentences and clauses and find its claims.

    Args:
        text: the article's words.
        lex: the lexicon.
        ingredients, pts: names in the loaded data, recognised beside the lexicon.
        default_exposure: the paragraph's exposure when the text names none (the user's override).

    Returns:
        The sentences, each with its exposures, events and claims (exposures not yet resolved to definitions).
    """
    nlp, cue_matcher = pipeline(lex, ingredients, pts)
    folded = fold(re.sub(r"(?<=\w)[‐‑‒–](?=\w)", "-", text.replace("“", '"').replace("”", '"').replace("’", "'")
                         .replace("‘", "'")))
    doc = nlp(folded)
    # a cue inside a named entity is part of its name ("nerve damage" says nothing about causing damage)
    taken = {i for e in doc.ents if e.label_ != "ROUTE" for i in range(e.start, e.end)}
    cue_spans_all = [(nlp.vocab.strings[k], doc[s:e]) for k, s, e in cue_matcher(doc)
                     if not any(i in taken for i in range(s, e))
                     or nlp.vocab.strings[k] in ("references", "weak_existence", "existence", "possibility")]
    pseudo = [m.start() for p in _PSEUDO_NEGATIONS for m in re.finditer(r"\b" + re.escape(p) + r"\b", folded)]
    sentences: list[Sentence] = []
    for si, sent in enumerate(doc.sents):
        s = Sentence(si, text[sent.start_char:sent.end_char].strip(), sent.start_char, sent.end_char)
        sentences.append(s)
        ents = [e for e in doc.ents if e.start >= sent.start and e.end <= sent.end]
        cues = [(k, sp) for k, sp in cue_spans_all if sp.start >= sent.start and sp.end <= sent.end]
        clauses = _clauses(sent, [sp for _, sp in cues if _ != "concomitant"])
        s.clauses = clauses
        mentions = _mentions(ents, cues, lex, text)
        for m in mentions:
            (s.exposures if m.kind == "exposure" else s.events if m.role != "ignored" else s.ignored).append(m)
        s._cues = cues
        s._doc = doc
        s._pseudo = [p for p in pseudo if sent.start_char <= p < sent.end_char]
    _pair(sentences, lex, text, folded, default_exposure)
    return sentences


def _mentions(ents: list[Span], cues: Cues, lex: Lexicon, text: str) -> list[Mention]:
    """Exposures and events of a sentence, with routes and roles bound."""
    if not ents:
        return []
    doc = ents[0].doc
    out: list[Mention] = []
    routes = [e for e in ents if e.label_ == "ROUTE"]
    drugs = [e for e in ents if e.label_ in ("EXPOSURE", "DRUG")]
    bound_routes: set[int] = set()
    exposure_of: dict[int, Mention] = {}
    for d in drugs:
        m = _exposure_from(d, lex)
        m.text = text[m.start:m.end]
        m.negated = bool(d._.negex)
        exposure_of[d.start] = m
    # routes: "epidural fentanyl" (before) or "fentanyl given epidurally" / "... used in the epidural injection"
    for r in routes:
        canonical = tuple(r.ent_id_.split("|"))
        after = [d for d in drugs if 0 <= d.start - r.end <= 3 and all(
            t.lower_ in _ROUTE_LINKS for t in doc[r.end:d.start])]
        before = [d for d in drugs if 0 <= r.start - d.end <= 6 and not any(
            e.label_ in ("EVENT", "EXPOSURE", "DRUG", "ROUTE") and d.end <= e.start < r.start for e in ents)]
        if not after and not before and re.search(r"\b(injected|given|administered|delivered|infused|placed|used)\b",
                                                  doc[max(r.start - 2, 0):r.end].text.lower()):
            # "Triamcinolone has been associated with cortical blindness when injected into the epidural space"
            before = [d for d in drugs if d.end <= r.start][-1:]
        targets = after[:1] or before[-1:]
        if targets and not (targets[0].label_ == "EXPOSURE" and not lex.exposures[targets[0].ent_id_].is_class):
            target = targets[0]
            group = [target]
            # coordinated drugs share the route: "the steroid or local anaesthetic used in the epidural injection"
            for d in reversed([d for d in drugs if d.end <= target.start]):
                gap = doc[d.end:group[-1].start]
                if all(t.lower_ in (",", "or", "and", "a", "an", "the", "/", "and/or") for t in gap) and len(gap) <= 3:
                    group.append(d)
                else:
                    break
            for d in group:
                m = exposure_of[d.start]
                m.routes = canonical
                m.route_words = r.text
            bound_routes.add(r.start)
    for r in routes:
        # "dexamethasone ... in patients who receive it intravenously": the pronoun carries the route back
        if r.start not in bound_routes and any(
                t.lower_ in ("it", "them") for t in doc[max(r.start - 2, 0):r.start]):
            earlier = [d for d in drugs if d.end <= r.start]
            if earlier:
                m = exposure_of[earlier[-1].start]
                m.routes, m.route_words = tuple(r.ent_id_.split("|")), r.text
                bound_routes.add(r.start)
    for r in routes:
        if r.start in bound_routes:
            continue
        # an unbound procedure phrase ("after the epidural injection") is the procedure itself
        low = r.text.lower()
        key = next((lex.exposure_phrases[p] for p in lex.exposure_phrases if p in low and
                    lex.exposures[lex.exposure_phrases[p]].procedure and " " in p), None)
        if key:
            entry = lex.exposures[key]
            exposure_of[r.start] = Mention("exposure", key, entry.title, r.start_char, r.end_char,
                                           text[r.start_char:r.end_char], negated=bool(r._.negex))
    _merge_apposition(exposure_of, lex, doc)
    _merge_procedure(exposure_of, lex, doc)
    concomitant = [sp for k, sp in cues if k == "concomitant"]
    for start in sorted(exposure_of):
        m = exposure_of[start]
        if any(0 <= start - sp.end <= 2 for sp in concomitant):
            m.role = "concomitant"
        out.append(m)
    # coordinated concomitant drugs: "also taking warfarin or clopidogrel"
    for a, b in zip(out, out[1:], strict=False):
        if a.role == "concomitant" and b.start - a.end <= 5 and re.fullmatch(r"[\s,]*(or|and|,)?[\s,]*",
                                                                              text[a.end:b.start] or " "):
            b.role = "concomitant"
    # "reports of myocarditis in patients treated with nivolumab": with no other drug, the patients' drug is the
    # exposure; only explicit words ("also taking", "concomitant") keep a lone drug out
    explicit = [sp for sp in concomitant if re.search(r"\b(also|concomitant|concurrent|along|together|addition|"
                                                      r"background|prior|previous|history|already|currently)",
                                                      sp.text.lower())]
    if out and not explicit and all(m.role == "concomitant" for m in out):
        for m in out:
            m.role = "suspect"
    indication_cues = [sp for k, sp in cues if k == "indication_cues"]
    for e in ents:
        if e.label_ == "EVENT":
            m = _event_from(e, lex)
            m.text = text[m.start:m.end]
            m.negated = bool(e._.negex)
            for sp in indication_cues:
                distance = e.start - sp.end
                word_before = doc[sp.start - 1].lower_ if sp.start > 0 else ""
                if 0 <= distance <= 3 and word_before not in _INDICATION_BLOCKERS and all(
                        t.lower_ in ("a", "an", "the", "their", "his", "her", "chronic", "severe", "persistent",
                                     "acute", "lumbar", "cervical", "refractory", "their", "of")
                        for t in doc[sp.end:e.start]):
                    m.role = "indication"
            out.append(m)
    out.sort(key=lambda m: m.start)
    return out


def _merge_apposition(exposure_of: dict[int, Mention], lex: Lexicon, doc: Doc) -> None:
    """"Kenalog-40 is a steroid that ...", "dexamethasone, a non-particulate steroid": the class is the named drug."""
    keys = sorted(exposure_of)
    # "particulate steroids such as Depo-Medrol and Kenalog": the named drugs, not their class
    for k in keys:
        m = exposure_of.get(k)
        entry = lex.exposures.get(m.key) if m is not None else None
        if entry is None or not entry.is_class:
            continue
        after = doc[doc[k].i:doc[k].i + 8].text.lower()
        if re.search(r"\b(such as|like|including|e\.g\.|for example|namely)\b", after) and any(
                j > k and not lex.exposures.get(exposure_of[j].key) for j in keys if j in exposure_of):
            del exposure_of[k]
    for k in keys:
        m = exposure_of.get(k)
        if m is None:
            continue
        entry = lex.exposures.get(m.key)
        if entry is None or not entry.is_class:
            continue
        before = [j for j in keys if j < k and j in exposure_of and not lex.exposures.get(exposure_of[j].key)]
        if not before:
            continue
        d = exposure_of[before[-1]]
        gap = doc[doc[before[-1]].i:doc[k].i]
        if set(d.ingredients) <= set(entry.ingredients) and len(gap) <= 8 and any(
                t.lower_ in (",", "is", "are", "a", "an", "(", "another") for t in gap) and not any(
                t.lower_ in (";", "and", "or", "but", "while") for t in gap):
            if m.routes and not d.routes:
                d.routes, d.route_words = m.routes, m.route_words
            del exposure_of[k]


def _merge_procedure(exposure_of: dict[int, Mention], lex: Lexicon, doc: Doc) -> None:
    """A steroid named with the injection is that steroid given epidurally.

    "Transforaminal injections of Kenalog-40" is triamcinolone by the epidural route; "TFESI with particulate
    steroids" is the epidural steroid injection itself. Within one sentence, a procedure phrase and a corticosteroid
    (by name or as a class) become one exposure.
    """
    steroids = set(lex.exposures["corticosteroid"].ingredients) if "corticosteroid" in lex.exposures else set()
    procedures = [k for k, m in exposure_of.items() if m.key in lex.exposures and lex.exposures[m.key].procedure]
    drugs = [k for k, m in exposure_of.items() if m.ingredients and set(m.ingredients) <= steroids and
             not (m.key in lex.exposures and lex.exposures[m.key].procedure)]
    if not procedures or not drugs:
        return
    for p in procedures:
        near = [d for d in drugs if abs(doc[d].i - doc[p].i) <= 16 and not _crosses_clause(doc, d, p)]
        if not near:
            continue
        lo, hi = min([p, *near]), max([p, *near])
        if any(t.lower_ == "either" for t in doc[doc[lo].i:doc[hi].i + 1]):
            # "injections performed with either triamcinolone or dexamethasone": the procedure, any of its steroids
            for d in near:
                exposure_of.pop(d, None)
            continue
        merged = False
        for d in near:
            m = exposure_of[d]
            entry = lex.exposures.get(m.key)
            if entry is not None and entry.is_class:
                continue  # the class is the procedure's own steroid: keep the procedure
            m.routes = m.routes or ("Epidural",)
            m.route_words = m.route_words or exposure_of[p].text
            merged = True
        for d in near:
            entry = lex.exposures.get(exposure_of[d].key)
            if entry is not None and entry.is_class:
                del exposure_of[d]
        if merged:
            del exposure_of[p]


def _crosses_clause(doc: Doc, a: int, b: int) -> bool:
    lo, hi = sorted((a, b))
    return any(t.lower_ in (";", "but", "whereas", "although") for t in doc[lo:hi])


def _cue_kinds(cues: Cues, a: int, b: int) -> dict[str, list[Span]]:
    kinds: dict[str, list[Span]] = {}
    for kind, sp in cues:
        if sp.start >= a and sp.end <= b:
            kinds.setdefault(kind, []).append(sp)
    return kinds


def _token_range(doc: Doc, start_char: int, end_char: int) -> tuple[int, int]:
    span = doc.char_span(start_char, end_char, alignment_mode="expand")
    return (span.start, span.end) if span is not None else (0, 0)


def _pair(sentences: list[Sentence], lex: Lexicon, text: str, folded: str,
          default_exposure: Mention | None = None) -> None:
    """Pair exposures with events clause by clause and give each pair its claim types."""
    suspects = [m for s in sentences for m in s.exposures if m.role == "suspect"]
    # one drug, one route: a later "it"/"Kenalog" without a route is the same drug as given before
    known: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for m in suspects:
        if m.key.startswith("drug:") and m.routes:
            known.setdefault(m.ingredients, set()).add(m.routes)
    for m in suspects:
        known_routes = known.get(m.ingredients, set())
        if m.key.startswith("drug:") and not m.routes and len(known_routes) == 1:
            m.routes = next(iter(known_routes))
            m.route_words = "(as named before)"
    counts = Counter(m.ident() for m in suspects)
    paragraph = None
    if suspects:
        best = max(counts.values())
        paragraph = next(m for m in suspects if counts[m.ident()] == best)
    elif default_exposure is not None:
        paragraph = default_exposure
    previous_events: list[Mention] = []
    previous_exposures: list[Mention] = []
    for s in sentences:
        doc = s._doc
        if doc is None:
            continue  # not a sentence read here
        cues = s._cues
        events = [m for m in s.events if m.role == "suspect"]
        sentence_exposures = [m for m in s.exposures if m.role == "suspect"]
        if s.text.rstrip().endswith("?") or re.search(r"\b(asks?|examines?|examined|assess(es|ed)?|investigat\w+|"
                                                      r"to determine|compares?|compared) whether\b", s.text.lower()):
            # a question, or a study's aim, claims nothing
            s.note = "a question or a study aim: no claim"
            events = []
        refs = _cue_kinds(cues, 0, len(doc)).get("references", [])
        for ci, (a, b) in enumerate(s.clauses):
            ca, cb = doc[a].idx, doc[b - 1].idx + len(doc[b - 1])
            in_clause = lambda m, ca=ca, cb=cb: ca <= m.start < cb  # noqa: E731
            clause_events = [m for m in events if in_clause(m)]
            clause_refs = [r for r in refs if a <= r.start < b]
            kinds = _cue_kinds(cues, a, b)
            if not clause_events and clause_refs and previous_events:
                clause_events = [_copy_at(m, clause_refs[0]) for m in previous_events]
            if not clause_events and any(k in kinds for k in CUE_KINDS):
                # "..., although it is very rare" / "This happens because ...": the pronoun's events
                pronoun = next((t for t in doc[a:b] if t.lower_ in ("it", "they", "this", "these", "such", "them",
                                                                      "which", "that", "both", "each")),
                               None)
                if pronoun is None and set(kinds) & set(CUE_KINDS) == {"recovery"}:
                    # "..., and blood glucose returns to normal within 48 hours": recovery of what came before
                    pronoun = doc[a]
                earlier = [m for m in events if m.start < ca] or previous_events
                if re.search(r"\b(before|prior to)\b", folded[ca:cb]):
                    earlier = []  # "patients often report both before treatment": not after the exposure
                if pronoun is not None and earlier:
                    clause_events = [_copy_at(m, doc[pronoun.i:pronoun.i + 1]) for m in earlier]
                    clause_refs = [doc[pronoun.i:pronoun.i + 1]]
            elliptic = False
            short_negative = len(doc[a:b]) <= 12 and re.search(r"\b(not|never)\b|n't\b", folded[ca:cb]) and any(
                ca <= m.start < cb for m in sentence_exposures)
            if not clause_events and ci > 0 and (re.match(r"\W*(but|and|or)?\s*(not|never)\b", folded[ca:cb])
                                                 or short_negative):
                # "... after triamcinolone and betamethasone, but not after dexamethasone" / "..., while X has not"
                pa, pb = s.clauses[ci - 1]
                pca = doc[pa].idx
                earlier = [m for m in events if pca <= m.start < ca]
                if earlier:
                    clause_events = [_copy_at(m, doc[a:b]) for m in earlier]
                    elliptic = True
                    routes = next((m.routes for m in sentence_exposures if pca <= m.start < ca and m.routes), ())
                    for m in sentence_exposures:
                        if ca <= m.start < cb and not m.routes and routes:
                            m.routes, m.route_words = routes, "(as above)"
            clause_events = _claimed_events(clause_events, doc, a, b, kinds)
            if not clause_events:
                continue
            exposures = [m for m in sentence_exposures if in_clause(m)]
            inherited = False
            if not exposures and re.search(r"\b(both|either|each of them|all of them|these drugs|these medications|"
                                           r"these agents|these steroids)\b", folded[ca:cb]) and previous_exposures:
                exposures, inherited = list(previous_exposures), True
            elif not exposures:
                others = [m for m in sentence_exposures if not in_clause(m)]
                anaphora = re.search(r"\b(the|this|that|these|her|his|your|their|each) (injection|injections|procedure|"
                                     r"procedures|shot|shots|block|treatment)\b", folded[ca:cb])
                if anaphora and paragraph is not None:
                    exposures, inherited = [paragraph], True
                elif others:
                    before = [m for m in others if m.start < ca]
                    exposures = [before[-1]] if before else [others[0]]
                elif paragraph is not None:
                    exposures, inherited = [paragraph], True
            if paragraph is not None and paragraph.key.startswith("drug:") and exposures and all(
                    lex.exposures.get(x.key) is not None and lex.exposures[x.key].is_class and
                    set(paragraph.ingredients) <= set(lex.exposures[x.key].ingredients) for x in exposures):
                # "Such strokes are thought to result from steroid particles": the paragraph's steroid
                exposures, inherited = [paragraph], True
            ruled_out = [m.start() + ca for m in re.finditer(r"\b(rather than|instead of|as opposed to|not to)\b",
                                                              folded[ca:cb])]
            if ruled_out:
                exposures = [x for x in exposures if not any(0 <= x.start - r <= 30 for r in ruled_out)]
            if not exposures:
                continue
            clause_text = folded[ca:cb]
            has_cue = any(k in kinds for k in CUE_KINDS) or _FREQ_NUMBER.search(clause_text) is not None
            # advice ("contact your provider if the heaviness does not improve within 1-2 days") claims nothing
            advice = re.search(r"\b(contact|call|seek|tell your|notify|inform your|see a doctor|see your|go to the|"
                               r"advised to|should be advised|emergency room)\b", clause_text)
            first_event = min((m.start for m in clause_events), default=cb) - ca
            if advice and advice.start() < first_event and not kinds.get("existence") and not kinds.get("negation"):
                continue
            for ev in clause_events:
                types = _claim_types(kinds, clause_text, ca, ev, exposures, lex, s._pseudo)
                if elliptic:
                    said_before = {c.claim_type for c in s.claims if c.clause == ci - 1}
                    kind = next((k for k in ("causation", "association") if k in said_before), "negation")
                    types = [(kind, ["not"], False, None, "")]
                if not types:
                    linked = re.search(r"\b(after|following|post|from|with|during|since|complicat\w*|induced|"
                                       r"related)\b", clause_text) and not re.search(r"\b(before|prior to)\b",
                                                                                   clause_text)
                    if (inherited and not clause_refs) or advice or not (has_cue or not inherited) or not linked:
                        continue
                    types = [("existence", [], False, None, "")]
                    implicit = True
                else:
                    implicit = False
                for ex in _nearest(ev, _dedupe(exposures), clause_events):
                    for ctype, words, hedged, window, wtext in types:
                        s.claims.append(Claim(
                            sentence=s.index, clause=ci, quote=text[ca:cb].strip(), start=ca, end=cb, exposure=ex,
                            event=ev, claim_type=ctype, cues=words, hedged=hedged,
                            negative=ctype == "negation" or (ctype in ("causation", "association") and bool(
                                ev.negated or ex.negated)), window_days=window, window_text=wtext,
                            inherited=inherited, implicit=implicit))
        if events:
            previous_events = events
        if sentence_exposures:
            previous_exposures = sentence_exposures
    for s in sentences:
        # an implicit existence claim is a fallback: not when the sentence says something else of the same pair
        said = {(c.exposure.ident(), c.event.key) for c in s.claims if not c.implicit}
        s.claims = [c for c in s.claims if not (c.implicit and (c.exposure.ident(), c.event.key) in said)]
        seen = set()
        unique = []
        for c in s.claims:
            key = (c.exposure.ident(), c.event.key, c.claim_type)
            if key not in seen:
                seen.add(key)
                unique.append(c)
        s.claims = unique


_ROUTE_LINKS = {"injection", "injections", "infusion", "administration", "dose", "doses", "use", "bolus", "of", "with",
                "a", "an", "the", "inadvertent", "accidental"}
_UMBRELLA = {"including", "include", "includes", "such", "like", "e.g.", "notably", "especially", "particularly",
             "namely", "eg"}
_CAUSE_CUES = {"due to", "caused by", "result from", "results from", "resulting from", "resulted from",
               "secondary to", "because of", "related to", "attributed to", "attributable to", "from"}
_SIGN_CUES = re.compile(r"\b((an? |the )?(early |warning |first )?(sign|signs|symptom|symptoms|indication|"
                        r"indicator) of|"
                        r"(may|might|could|can) (indicate|signal|suggest|mean|herald)|suggests?|suggestive of|"
                        r"warning sign)\b")


def _claimed_events(events: list[Mention], doc: Doc, a: int, b: int, kinds: dict[str, list[Span]]) -> list[Mention]:
    """The events a clause makes claims about: not umbrellas of a list, not causes, not signs of another event."""
    if len(events) < 2:
        return events
    toks = doc[a:b]
    text = toks.text
    out = list(events)
    # "neurological injuries, including paraplegia and cortical blindness": the list, not its umbrella
    for t in toks:
        if t.lower_ in _UMBRELLA:
            after = [m for m in out if m.start >= t.idx]
            before = [m for m in out if m.end <= t.idx and t.idx - m.end <= 4]
            if after and before:
                out = [m for m in out if m not in before]
    # "headaches ... may be related to a puncture of the dura": the cause is not the claimed event
    base = toks[0].idx
    for cue in _CAUSE_CUES:
        for m in re.finditer(r"\b" + re.escape(cue) + r"\b", text.lower()):
            at = base + m.end()
            before = [e for e in out if e.end <= base + m.start()]
            if before:
                out = [e for e in out if not (e.start >= at and e.start - at <= 40)]
    # "fungal rather than bacterial meningitis": what is ruled out is not claimed
    for m in re.finditer(r"\b(rather than|instead of|as opposed to)\b", text.lower()):
        at = base + m.end()
        before = [e for e in out if e.end <= base + m.start()]
        if before:
            out = [e for e in out if not (e.start >= at and e.start - at <= 30)]
    # "weakness ... could be a sign of an epidural hematoma": the sign is not the claimed event
    for m in _SIGN_CUES.finditer(text.lower()):
        at = base + m.start()
        after = [e for e in out if e.start >= base + m.end()]
        if after:
            out = [e for e in out if e.start >= at]
    return out or events


def _nearest(ev: Mention, exposures: list[Mention], events: list[Mention]) -> list[Mention]:
    """Which exposures an event goes with when a clause interleaves them.

    "arachnoiditis after epidural methylprednisolone and headache after epidural bupivacaine": each event goes
    with the exposure after it (else the one before it). When all exposures stand on one side of all events
    ("ESIs and Depo-Medrol have been linked to paraplegia and stroke"), every exposure goes with every event.
    """
    if len(exposures) < 2 or len(events) < 2:
        return exposures
    starts = sorted(m.start for m in events)
    interleaved = any(starts[0] < x.start < starts[-1] for x in exposures)
    if not interleaved:
        return exposures
    after = [x for x in exposures if x.start >= ev.end]
    if after:
        return [min(after, key=lambda x: x.start)]
    return [max(exposures, key=lambda x: x.start)]


def _copy_at(m: Mention, ref: Span) -> Mention:
    out = Mention(**{**m.__dict__})
    out.start, out.end, out.text = ref.start_char, ref.end_char, ref.text
    return out


def _dedupe(exposures: list[Mention]) -> list[Mention]:
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    out: list[Mention] = []
    for m in exposures:
        if m.ident() not in seen:
            seen.add(m.ident())
            out.append(m)
    return out


def _claim_types(kinds: dict[str, list[Span]], clause: str, offset: int, ev: Mention, exposures: list[Mention],
                 lex: Lexicon, pseudo: list[int]) -> list[tuple[str, list[str], bool, float | None, str]]:
    """What a clause says of an event: [(type, cue words, hedged, window days, window words)]."""
    words = {k: [sp.text for sp in v] for k, v in kinds.items()}
    negative_word = re.search(r"\b(no|not|never|none|without|neither|nor|absence|zero)\b|n't\b", clause) is not None
    pseudo_here = any(offset <= p < offset + len(clause) for p in pseudo)
    negated_entity = ev.negated and negative_word and not pseudo_here
    negation_cue = (bool(words.get("negation")) or _NEGATED_REPORT.search(clause) is not None) and not pseudo_here
    causal = words.get("causation", [])
    assoc = words.get("association", [])

    def modal_before(spans: list[Span]) -> bool:
        for sp in spans:
            doc = sp.doc
            if any(t.lower_ in _MODALS for t in doc[max(sp.start - 3, 0):sp.start]):
                return True
        return False

    out: list[tuple[str, list[str], bool, float | None, str]] = []
    if causal and all(re.search(r"\b(reported|described|documented|shown)( to| as)?\s*$",
                                sp.doc[max(sp.start - 3, 0):sp.start].text.lower()) for sp in kinds["causation"]):
        # "has been reported to trigger a seizure": a claim that reports exist, not that the drug causes it
        causal = []
        words.setdefault("existence", []).append("reported to")
    about_reports = re.search(r"\b(report|reports|reported|faers|database|case|cases)\b", clause) is not None
    if negated_entity or negation_cue:
        if (causal or assoc) and not words.get("existence") and not about_reports:
            kind = "causation" if causal else "association"
            return [(kind, causal or assoc, False, None, "")]
        return [("negation", words.get("negation", []) or ["(negated)"], False, None, "")]
    recovery_starts = {sp.start for sp in kinds.get("recovery", [])}
    freq_spans = [sp for sp in kinds.get("frequency", []) if not _scoped_away(sp, ev) and sp.end not in recovery_starts
                  and not _describes_adjective(sp)]
    freq = [sp.text for sp in freq_spans]
    number = _FREQ_NUMBER.search(clause)
    if number:
        freq.append(number.group(0))
    if freq:
        out.append(("frequency", freq, False, None, ""))
    hedge = words.get("possibility", [])
    if causal:
        if all(modal_before([sp]) for sp in kinds["causation"]):
            out.append(("possibility", causal + hedge, True, None, ""))
        else:
            out.append(("causation", causal, False, None, ""))
    if assoc:
        if all(modal_before([sp]) for sp in kinds["association"]):
            out.append(("possibility", assoc + hedge, True, None, ""))
        else:
            out.append(("association", assoc, False, None, ""))
    if freq:
        # "the risk of dural puncture is about 0.5%": a frequency, not a hedge
        hedge = [w for w in hedge if not re.match(r"(risk|risks|danger|dangers|chance|chances) of", w)]
    if hedge and not any(t[0] == "possibility" for t in out) and not causal and not assoc:
        out.append(("possibility", hedge, True, None, ""))
    # "reported in at least 10% of patients": a frequency, not a claim that reports exist
    existence = [sp.text for sp in kinds.get("existence", []) if not re.match(
        r"\s*(in |by )?(at least |about |approximately |up to |over |under |nearly |almost |only )?\d",
        sp.doc[sp.end:sp.end + 6].text.lower())] if kinds.get("existence") else words.get("existence", [])
    if existence:
        out.append(("existence", existence, bool(hedge), None, ""))
    window = _window_for(clause, lex)
    if window:
        out.append(("time_course", [window[1]], False, window[0], window[1]))
        # "most cases began within 24 hours": the quantifier is about the onsets, not how often the event occurs
        quantifiers = re.compile(r"^(most|majority|the majority|many|few|half|every|all|in up to|up to|usually|"
                                 r"typically|generally|mostly|often|commonly)\b")
        out = [t for t in out if not (t[0] == "frequency" and all(quantifiers.match(w) for w in t[1]))]
    recovery = [sp.text for sp in kinds.get("recovery", []) if not _adjective_elsewhere(sp, ev)]
    if recovery:
        out.append(("recovery", recovery, False, None, ""))
    count = _REPORT_COUNT.search(clause)
    if count and not any(t[0] == "existence" for t in out):
        out.append(("existence", [count.group(0)], False, None, ""))
    narrative = re.search(r"\b(a|an|one|the) (\d+-year-old|patient|woman|man|girl|boy|reader|nurse|teacher|mother|"
                          r"father)\b|\b(she|he|her|his)\b", clause) is not None
    if words.get("weak_existence") and (not out or (narrative and not any(t[0] in ("existence", "negation")
                                                                          for t in out))):
        # a case narrative ("she developed a rash within minutes") reports that the event happened
        out.append(("existence", words["weak_existence"], False, None, ""))
    return out


_RECOVERY_ADJECTIVES = {"temporary", "transient", "short-lived", "permanent", "irreversible", "reversible"}


def _adjective_elsewhere(cue: Span, ev: Mention) -> bool:
    """"a temporary increase in back pain, facial flushing, ...": the adjective is about the next event only."""
    if cue.text.lower() not in _RECOVERY_ADJECTIVES:
        return False
    doc = cue.doc
    following = [e for e in doc.ents if e.label_ == "EVENT" and cue.end <= e.start <= cue.end + 5]
    return bool(following) and not any(e.start_char == ev.start for e in following)


def _describes_adjective(cue: Span) -> bool:
    """"a chronic and often disabling inflammation": the adverb grades an adjective, not how often the event occurs."""
    if cue.text.lower() not in ("often", "frequently", "usually", "commonly", "typically", "sometimes", "occasionally"):
        return False
    nxt = cue.doc[cue.end] if cue.end < len(cue.doc) else None
    return nxt is not None and (nxt.lower_.endswith(("ing", "ful", "ous")) or nxt.lower_ in (
        "fatal", "serious", "severe", "permanent", "mild", "painful", "disabling", "debilitating", "life-threatening"))


def _scoped_away(cue: Span, ev: Mention) -> bool:
    """A frequency set off by commas ("itching and, in rare cases, slowed breathing") is about what follows it."""
    doc = cue.doc
    start = cue.start
    while start > 0 and doc[start - 1].lower_ in ("in", "on", "at", "very", "extremely"):
        start -= 1
    return start > 0 and doc[start - 1].lower_ == "," and ev.start < cue.start_char


def _window_for(clause: str, lex: Lexicon) -> tuple[float, str] | None:
    """The onset window a clause states, unless a recovery or advice word governs it."""
    best = None
    for s, e, days in onset_windows(clause):
        before = clause[max(0, s - 60):s]
        if any(re.search(r"\b" + re.escape(w) + r"\b", before) for w in lex.window_blockers):
            continue
        if best is None or days > best[0]:
            best = (days, clause[s:e])
    return best

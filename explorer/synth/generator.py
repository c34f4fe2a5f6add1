"""Write synthetic FAERS quarters, in each era's exact layout, with the answers a correct pipeline must give.

Every case is decided when it is created: its reports (the initial one and, for about 15% of cases, a follow-up
in a later quarter with changed drugs or reactions), whether FDA later deletes it, and so its final content; for
2% of cases a second source reports the same event again as a case of its own (a probable duplicate). The
truth (``truth.json``) is counted from those decisions, never by reading the files back. Follow-up reports are
rendered at once and held, as text, until their quarter is written; each quarter's tables stream to temporary
files and then into the zip, so memory stays bounded whatever the scale.

The data are synthetic: every zip carries a SYNTHETIC.txt marker that the loader records, and every number shown
from them says "synthetic demo data — not FDA data".
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import time
import zipfile
from bisect import bisect
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import TypeVar

from explorer import __version__
from explorer.constants import SYNTHETIC_NOTICE
from explorer.ingest.layouts import TABLES
from explorer.ingest.sources import SYNTHETIC_MARKER
from explorer.progress import Reporter, reporter
from explorer.quarters import parse_quarter
from explorer.synth import vocab
from explorer.synth.layouts import QuarterLayout, TableLayout, quarter_layout
from explorer.vocab.routes import canonical_route

LAERS_COUNTRY_NAMES = {"US": "UNITED STATES", "GB": "UNITED KINGDOM", "JP": "JAPAN", "FR": "FRANCE", "DE": "GERMANY",
                       "CA": "CANADA", "IT": "ITALY", "BR": "BRAZIL"}
ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # fixed member timestamps: the same seed gives the same bytes

VOLUME = ((2004, 100_000), (2008, 130_000), (2012, 200_000), (2015, 300_000), (2018, 400_000), (2025, 400_000))
"""Reports per quarter at scale 1 (FAERS's growth), interpolated between these years."""

P_ASSOCIATED = 0.35
"""Share of background cases that also report one of their primary suspect drug's own adverse events."""
P_FOLLOW_UP = 0.15
P_DELETED = 0.003
P_ESI = 0.004
P_SECOND_SOURCE = 0.02
"""Share of cases whose event a second source reports again as a case of its own (a physician after the
manufacturer, say): same patient, event date, drugs and reactions, another case number. FAERS cannot link them; the
loader flags them as probable duplicates."""
SECOND_SOURCE_CASEIDS = 90_000_000  # their case numbers, apart from the others' so adding them renumbers nothing
SENDERS = ("PFIZER", "NOVARTIS", "JANSSEN", "SANOFI", "MERCK", "ASTRAZENECA", "TEVA", "MYLAN", "AMGEN", "GSK", "ROCHE")
OUTBREAK_CASES = 750
_WORD = {w: re.compile(rf"\b{w}\b") for w in vocab.ESI_TEXT_WORDS}
_NOT_EXPOSED = {"esi": False, "esi_strict_route": False, "esi_any_role": False}
T = TypeVar("T")


def reports_per_quarter(quarter: str, scale: float) -> int:
    """Target number of reports written in a quarter."""
    year, q = parse_quarter(quarter)
    t = year + (q - 1) / 4
    for (y0, v0), (y1, v1) in zip(VOLUME, VOLUME[1:], strict=False):
        if t <= y1:
            v = v0 + (v1 - v0) * max(0.0, (t - y0)) / (y1 - y0)
            break
    else:
        v = VOLUME[-1][1]
    return max(1, round(v * scale))


@dataclass
class Drug:
    """One drug row as the generator decided it."""

    ingredient: str | None  # the true active moiety; None for unresolvable verbatim text
    role: str
    route: str  # canonical route, "" when blank
    name: str  # drugname as written
    prod_ai: str  # "" when FDA did not code it
    dose_vbm: str
    start: str = ""  # therapy dates as written (YYYYMMDD, YYYYMM, YYYY or "")
    end: str = ""
    indication: str = ""
    route_text: str = ""  # the route exactly as written (case, EDQM term, stray space)

    def exposure(self) -> dict[str, bool]:
        """Which exposure definitions this row meets, judged from what is written."""
        is_esi_drug = self.ingredient in vocab.ESI_INGREDIENTS
        if not is_esi_drug:
            return _NOT_EXPOSED
        route_epi = canonical_route(self.route_text) == "Epidural" if self.route_text.strip() else False
        text = f"{self.dose_vbm} {self.name}".lower()
        mentions = any(p.search(text) for p in _WORD.values())
        suspect = self.role in ("PS", "SS")
        return {
            "esi": is_esi_drug and (route_epi or mentions) and suspect,
            "esi_strict_route": is_esi_drug and route_epi and suspect,
            "esi_any_role": is_esi_drug and (route_epi or mentions),
        }


@dataclass
class Case:
    """A case's content in one version."""

    caseid: int
    received: date
    demo: dict[str, str]
    drugs: list[Drug]
    reactions: list[str]
    outcomes: list[str]
    sources: list[str] = field(default_factory=list)


_DRUG_FIELDS = ("primaryid", "caseid", "drug_seq", "role_cod", "drugname", "prod_ai", "val_vbm", "route", "dose_vbm",
                "dechal", "rechal")
_THER_FIELDS = ("primaryid", "caseid", "dsg_drug_seq", "start_dt", "end_dt")
_INDI_FIELDS = ("primaryid", "caseid", "indi_drug_seq", "indi_pt")
_LAST_FIELD = {"reac": "pt", "outc": "outc_cod", "rpsr": "rpsr_cod"}


@cache
def _formatter(table: TableLayout, fields: tuple[str, ...]) -> Callable[..., str]:
    """A compiled function that writes one row of ``table`` from values given in ``fields`` order.

    Columns of the layout that are not in ``fields`` are written empty; fields the layout lacks are dropped.
    """
    parts = [f"{{v{fields.index(c)}}}" if c in fields else "" for c in table.columns]
    body = "$".join(parts) + ("$" if table.trailing else "")
    args = ", ".join(f"v{i}" for i in range(len(fields)))
    return eval(f"lambda {args}: f{body!r}")  # noqa: S307 - built from the layout's own column names


class _Zipf:
    """Draw ranks 0..n-1 with probability proportional to 1 / (rank + 1) ** s."""

    def __init__(self, n: int, s: float) -> None:
        self.cum = list(accumulate(1 / (k + 1) ** s for k in range(n)))

    def draw(self, rng: random.Random) -> int:
        return bisect(self.cum, rng.random() * self.cum[-1])


def _date_in_quarter(rng: random.Random, quarter: str) -> date:
    year, q = parse_quarter(quarter)
    start = date(year, 3 * q - 2, 1)
    return start + timedelta(days=rng.randrange(89))


def _quarter_end(quarter: str) -> date:
    year, q = parse_quarter(quarter)
    return (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)


def _comparable(case: Case, layout: QuarterLayout) -> bool:
    """Whether a case, as written in a layout, has every field the probable-duplicate rule compares (full event
    date, age, sex, country; early legacy layouts have no reporter country)."""
    d = case.demo
    return (len(d.get("event_dt", "")) == 8 and bool(d.get("age")) and bool(d.get("age_cod"))
            and d["sex"] in ("F", "M") and d["reporter_country"] != "COUNTRY NOT SPECIFIED"
            and "reporter_country" in layout.tables["demo"].columns and bool(case.drugs) and bool(case.reactions))


def _fmt_date(d: date, precision: str) -> str:
    if precision == "day":
        return f"{d.year:04d}{d.month:02d}{d.day:02d}"
    if precision == "month":
        return f"{d.year:04d}{d.month:02d}"
    if precision == "year":
        return f"{d.year:04d}"
    return ""


@cache
def _distribution(weighted: tuple[tuple[T, float], ...]) -> tuple[tuple[T, ...], list[float]]:
    items, weights = zip(*weighted, strict=True)
    return items, list(accumulate(weights))


def _pick(rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    """Draw one item of ((item, weight), ...)."""
    items, cum = _distribution(weighted)
    return items[bisect(cum, rng.random() * cum[-1])]


class Generator:
    """Generates quarters in order; holds the follow-ups and deletions scheduled for later quarters."""

    def __init__(self, quarters: list[str], scale: float, seed: int) -> None:
        self.quarters = quarters
        self.index = {q: i for i, q in enumerate(quarters)}
        self.scale = scale
        self.seed = seed
        self.ingredients = vocab.background_ingredients()
        self.pts = vocab.background_pts()
        self.ing_zipf = _Zipf(len(self.ingredients), 1.05)
        self.pt_zipf = _Zipf(len(self.pts), 1.0)
        self.brands = vocab.brands_by_ingredient()
        self._profiles: dict[str, tuple[str, ...]] = {}
        self.next_caseid = 3_000_000
        self.next_isr = 4_000_000
        self.next_second_source = SECOND_SOURCE_CASEIDS
        self.pending: dict[str, list[dict[str, list[str]]]] = defaultdict(list)
        self.deletions: dict[str, list[int]] = defaultdict(list)
        self.truth = _Truth()
        # FDA publishes deleted-case lists from 2019Q1 on
        self.first_deletion_list = next(
            (i for i, q in enumerate(quarters) if parse_quarter(q) >= (2019, 1)), None
        )
        self.outbreak_total = max(12, round(OUTBREAK_CASES * scale)) if "2012q4" in self.index else 0

    # ---- content -------------------------------------------------------------------------------------------
    def profile(self, ingredient: str) -> tuple[str, ...]:
        """The PTs an ingredient raises, as every real drug has its own adverse-event profile.

        Drawn once per ingredient name (independent of the seed); never a PT of an event group, a planted or a null
        PT, so the planted answers stay exact.
        """
        if ingredient not in self._profiles:
            rng = random.Random(f"profile:{ingredient}")
            tracked = {p.lower() for p in _EVENT_KEYS}
            pool = [p for p in self.pts[len(vocab.NULL_EVENTS):-len(vocab.RARE_IN_BACKGROUND | set(
                vocab.OUTBREAK_EVENTS))] if p.lower() not in tracked]
            self._profiles[ingredient] = tuple(rng.sample(pool, 6))
        return self._profiles[ingredient]

    def _name_for(self, rng: random.Random, ingredient: str, has_prod_ai: bool, esi_like: bool) -> str:
        """A drug name as reporters write it; rows without prod_ai always get a name the loader can resolve."""
        brands = self.brands.get(ingredient, ())
        r = rng.random()
        if brands and r < 0.4:
            name = rng.choice(brands)
            if "-" in name and rng.random() < 0.05:
                name = name.replace("-", "?", 1)  # a character lost in FDA's export
            return name
        name = ingredient.upper()
        r = rng.random()
        if r < 0.08:
            name += "."
        elif r < 0.14:
            name = name.lower()
        elif r < 0.2:
            name += f" {rng.choice((5, 10, 20, 40, 100))}MG"
        elif r < 0.24 and (has_prod_ai or not esi_like) and len(name) > 6:
            k = rng.randrange(2, len(name) - 1)
            name = name[:k] + name[k + 1:]  # a misspelling: only where FDA's prod_ai still codes the row
        return name

    def _prod_ai(self, ingredient: str) -> str:
        if ingredient in vocab.ESI_STEROIDS:
            return vocab.ESI_STEROIDS[ingredient][0]
        if ingredient in vocab.LOCAL_ANAESTHETICS:
            return vocab.LOCAL_ANAESTHETICS[ingredient]
        return ingredient.upper()

    def _route_text(self, rng: random.Random, route: str, layout: QuarterLayout, year: int) -> str:
        if not route:
            return ""
        if layout.is_laers or (layout.era == "early_faers"):
            return route.upper()
        if year >= 2025 and route in vocab.EDQM and rng.random() < 0.3:
            return vocab.EDQM[route]
        if route == "Epidural" and rng.random() < 0.05:
            return "epidural "
        return route

    def _background_drug(self, rng: random.Random, role: str, layout: QuarterLayout, year: int,
                         faers_coded: bool) -> Drug:
        if rng.random() < 0.01:
            verbatim = rng.choice(("UNKNOWN DRUG", "BLOOD PRESSURE PILL", "OTHER MEDICATIONS", "VITAMINS NOS"))
            return Drug(None, role, "", verbatim, "", "UNK")
        ingredient = self.ingredients[self.ing_zipf.draw(rng)]
        has_prod_ai = faers_coded and rng.random() < 0.97
        route = _pick(rng, vocab.ROUTES)
        dose = rng.choice(("UNK", "20 MG, QD", "1 DF, BID", "10 MG, UNK", "UNK UNK, QW", "", "100 MG, Q8H"))
        drug = Drug(ingredient, role, route, self._name_for(rng, ingredient, has_prod_ai, ingredient in
                                                             vocab.ESI_INGREDIENTS),
                    self._prod_ai(ingredient) if has_prod_ai else "", dose)
        drug.route_text = self._route_text(rng, route, layout, year)
        return drug

    def _esi_drug(self, rng: random.Random, layout: QuarterLayout, year: int, faers_coded: bool,
                  ingredient: str | None = None, role: str | None = None) -> Drug:
        if ingredient is None:
            ingredient = _pick(rng, tuple((k, v[2]) for k, v in vocab.ESI_STEROIDS.items()))
        prod_ai, brands, _ = vocab.ESI_STEROIDS[ingredient]
        if role is None:
            role = _pick(rng, (("PS", 80), ("SS", 15), ("C", 5)))
        has_prod_ai = faers_coded and rng.random() < 0.97
        name = rng.choice(brands) if rng.random() < 0.5 else self._name_for(rng, ingredient, has_prod_ai, True)
        if rng.random() < 0.8:
            route, dose = "Epidural", rng.choice(("80 MG", "40 MG, ONCE", "1 DF, SINGLE", "UNK"))
        else:  # the route field does not say so; the verbatim dose text does
            route, dose = _pick(rng, (("Unknown", 5), ("", 3), ("Other", 2))), rng.choice(vocab.ESI_VERBATIM_DOSES)
        drug = Drug(ingredient, role, route, name, prod_ai if has_prod_ai else "", dose)
        drug.route_text = self._route_text(rng, route, layout, year)
        drug.indication = rng.choice(vocab.ESI_INDICATIONS)
        return drug

    def _demo(self, rng: random.Random) -> dict[str, str]:
        demo: dict[str, str] = {}
        demo["sex"] = _pick(rng, (("F", 58), ("M", 36), ("", 4), ("UNK", 2)))
        if rng.random() < 0.86:
            unit = _pick(rng, (("YR", 93), ("MON", 3), ("DEC", 2), ("DY", 1), ("WK", 0.7), ("HR", 0.3)))
            years = min(100, max(0, rng.gauss(55, 18)))
            value = {"YR": years, "DEC": years / 10, "MON": rng.randrange(1, 24), "DY": rng.randrange(1, 60),
                     "WK": rng.randrange(1, 50), "HR": rng.randrange(1, 48)}[unit]
            demo["age"] = str(int(value)) if unit != "DEC" else str(max(1, int(value)))
            demo["age_cod"] = unit
        if rng.random() < 0.3:
            unit = _pick(rng, (("KG", 80), ("LBS", 19), ("GMS", 1)))
            kg = max(3, rng.gauss(78, 20))
            demo["wt"] = {"KG": f"{kg:.0f}", "LBS": f"{kg / 0.45359237:.0f}", "GMS": f"{kg * 1000:.0f}"}[unit]
            demo["wt_cod"] = unit
        demo["occp_cod"] = _pick(rng, (("MD", 30), ("CN", 35), ("HP", 10), ("PH", 8), ("OT", 8), ("LW", 2), ("", 7)))
        demo["reporter_country"] = _pick(rng, (("US", 62), ("GB", 5), ("JP", 5), ("FR", 4), ("DE", 4), ("CA", 4),
                                               ("IT", 3), ("BR", 3), ("COUNTRY NOT SPECIFIED", 10)))
        demo["occr_country"] = demo["reporter_country"] if demo["reporter_country"] != "COUNTRY NOT SPECIFIED" else ""
        demo["rept_cod"] = _pick(rng, (("EXP", 65), ("PER", 25), ("DIR", 10)))
        demo["mfr_sndr"] = rng.choice(SENDERS) if demo["rept_cod"] != "DIR" else ""
        demo["e_sub"] = "Y"
        return demo

    def _reactions(self, rng: random.Random) -> list[str]:
        n = 1 + min(12, int(rng.expovariate(1 / 2.0)))
        return list(dict.fromkeys(self.pts[self.pt_zipf.draw(rng)] for _ in range(n)))

    def _outcomes(self, rng: random.Random, serious_bias: float = 0.0) -> list[str]:
        if rng.random() < 0.38 - serious_bias:
            return []
        out = [_pick(rng, (("OT", 45), ("HO", 35), ("DE", 6), ("LT", 4), ("DS", 4), ("RI", 5), ("CA", 1)))]
        if rng.random() < 0.35:
            out.append(_pick(rng, (("OT", 40), ("HO", 40), ("DS", 10), ("LT", 10))))
        return list(dict.fromkeys(out))

    def _therapy_dates(self, rng: random.Random, d: Drug, event: date, onset_days: int | None) -> None:
        if onset_days is None:
            if rng.random() < 0.5:
                return
            start = event - timedelta(days=rng.randrange(0, 720))
        else:
            start = event - timedelta(days=onset_days)
        precision = _pick(rng, (("day", 70), ("month", 15), ("year", 5), ("", 10)))
        d.start = _fmt_date(start, precision)
        if rng.random() < 0.6 and precision:
            d.end = _fmt_date(start + timedelta(days=0 if onset_days is not None else rng.randrange(0, 365)), "day")

    def new_case(self, rng: random.Random, quarter: str, layout: QuarterLayout, kind: str) -> Case:
        """Create a case first received in ``quarter`` (kind: background, esi or outbreak)."""
        year = parse_quarter(quarter)[0]
        received = _date_in_quarter(rng, quarter)
        caseid = self.next_caseid
        self.next_caseid += 1
        coded = layout.era == "faers"
        demo = self._demo(rng)
        n_drugs = 1 + min(30, int(rng.expovariate(1 / 3.5)))
        drugs: list[Drug] = []
        reactions = self._reactions(rng)
        onset: int | None = None
        serious_bias = 0.0
        if kind == "background":
            roles: tuple[tuple[str, float], ...] = (("SS", 20), ("C", 72), ("I", 3))
            if parse_quarter(quarter) >= (2024, 4):
                roles += (("DN", 0.5),)  # "drug not administered", a role FDA added in 2024Q4
            for k in range(n_drugs):
                role = "PS" if k == 0 else _pick(rng, roles)
                drugs.append(self._background_drug(rng, role, layout, year, coded))
            if drugs[0].ingredient and rng.random() < P_ASSOCIATED:
                reactions.append(rng.choice(self.profile(drugs[0].ingredient)))
        else:
            ingredient = "methylprednisolone" if kind == "outbreak" else None
            esi_role = "PS" if kind == "outbreak" else None
            esi = self._esi_drug(rng, layout, year, coded, ingredient, esi_role)
            if kind == "outbreak":
                esi.route, esi.dose_vbm = "Epidural", "80 MG, SINGLE"
                esi.route_text = self._route_text(rng, "Epidural", layout, year)
            drugs.append(esi)
            if rng.random() < 0.5:  # the local anaesthetic injected with it
                la = rng.choice(sorted(vocab.LOCAL_ANAESTHETICS))
                drug = Drug(la, "C", "Epidural", la.upper(), vocab.LOCAL_ANAESTHETICS[la] if coded else "", "UNK")
                drug.route_text = self._route_text(rng, "Epidural", layout, year)
                drugs.append(drug)
            for _ in range(n_drugs - 1):
                drugs.append(self._background_drug(rng, "C", layout, year, coded))
            planted = vocab.OUTBREAK_EVENTS if kind == "outbreak" else vocab.PLANTED_EVENTS
            for pt, p in planted.items():
                if rng.random() < p:
                    reactions.append(pt)
                    serious_bias = 0.3
            if kind == "outbreak" and not any(p in reactions for p in vocab.OUTBREAK_EVENTS):
                reactions.append("Meningitis fungal")
            onset = rng.randrange(0, 3) if rng.random() < 0.75 else rng.randrange(3, 31)
            if kind == "outbreak":
                onset = rng.randrange(7, 120)
        event = received - timedelta(days=rng.randrange(3, 200) if onset is None else rng.randrange(3, 60))
        demo["event_dt"] = _fmt_date(event, _pick(rng, (("day", 57), ("month", 14), ("year", 10), ("", 19))))
        if onset is not None:
            demo["event_dt"] = _fmt_date(event, _pick(rng, (("day", 80), ("month", 10), ("", 10))))
        for k, d in enumerate(drugs):
            self._therapy_dates(rng, d, event, onset if k == 0 and kind != "background" else None)
            if not d.indication and rng.random() < 0.55:
                d.indication = rng.choice(vocab.INDICATIONS)
        outcomes = self._outcomes(rng, serious_bias)
        sources = [_pick(rng, (("HP", 40), ("CSM", 20), ("LIT", 10), ("FGN", 15), ("SDY", 10), ("OTH", 5)))] \
            if rng.random() < 0.2 else []
        return Case(caseid, received, demo, drugs, list(dict.fromkeys(reactions)), outcomes, sources)

    def second_source(self, rng: random.Random, case: Case, quarter: str) -> Case:
        """The same event reported again by another source, as a new case received up to a month later."""
        caseid = self.next_second_source
        self.next_second_source += 1
        demo = dict(case.demo)
        demo["rept_cod"] = "DIR" if demo["rept_cod"] != "DIR" else "EXP"
        demo["mfr_sndr"] = rng.choice(SENDERS) if demo["rept_cod"] != "DIR" else ""
        demo["occp_cod"] = _pick(rng, (("MD", 45), ("CN", 25), ("HP", 15), ("PH", 10), ("OT", 5)))
        received = min(case.received + timedelta(days=rng.randrange(1, 31)), _quarter_end(quarter))
        return Case(caseid, received, demo, list(case.drugs), list(case.reactions), list(case.outcomes))

    def follow_up(self, rng: random.Random, case: Case, layout: QuarterLayout, year: int) -> Case:
        """The case as a follow-up report changes it: reactions added or recoded, drugs added."""
        reactions = list(case.reactions)
        drugs = list(case.drugs)
        is_esi = any(d.exposure()["esi_any_role"] for d in drugs)
        r = rng.random()
        if is_esi and r < 0.25:
            pt = _pick(rng, tuple(vocab.PLANTED_EVENTS.items()))
            if pt not in reactions:
                reactions.append(pt)  # the follow-up reports a new, planted event
        elif is_esi and r < 0.35:
            planted = [p for p in reactions if p in vocab.PLANTED_EVENTS]
            if planted:
                reactions.remove(planted[0])  # recoded at follow-up: the event is no longer reported
                reactions.append("Spinal cord injury")
        elif r < 0.6:
            pt = self.pts[self.pt_zipf.draw(rng)]
            if pt not in reactions:
                reactions.append(pt)
        elif len(reactions) > 1 and reactions[-1] not in vocab.PLANTED_EVENTS:
            reactions.pop()
        if rng.random() < 0.3:
            drugs.append(self._background_drug(rng, "C", layout, year, layout.era == "faers"))
        outcomes = case.outcomes if rng.random() < 0.7 else self._outcomes(rng)
        return replace(case, drugs=drugs, reactions=reactions, outcomes=outcomes)

    # ---- rendering -----------------------------------------------------------------------------------------
    def render(self, case: Case, layout: QuarterLayout, version: int, fda: date, rng: random.Random,
               follow_up: bool = False) -> dict[str, list[str]]:
        """The rows of one report version in the quarter's layout, as text lines without terminators."""
        if layout.is_laers:
            primaryid = str(self.next_isr)
            self.next_isr += 1
        else:
            primaryid = f"{case.caseid}{version}"
        caseid = str(case.caseid)
        demo = dict(case.demo)
        demo.update(primaryid=primaryid, caseid=caseid, fda_dt=_fmt_date(fda, "day"),
                    mfr_dt=_fmt_date(fda - timedelta(days=rng.randrange(0, 15)), "day") if demo["mfr_sndr"] else "",
                    rept_dt=_fmt_date(fda, "day"), i_f_code="F" if follow_up else "I")
        if layout.is_laers:
            demo["image"] = f"{primaryid}-{rng.randrange(10)}"
            # legacy AERS writes the reporter's country as a name, FAERS as an ISO code
            demo["reporter_country"] = LAERS_COUNTRY_NAMES.get(demo["reporter_country"], demo["reporter_country"])
        else:
            demo.update(caseversion=str(version), init_fda_dt=_fmt_date(case.received, "day"))
            if layout.era == "faers" and demo.get("age_cod") == "YR" and demo.get("age"):
                age = int(demo["age"])
                demo["age_grp"] = "E" if age >= 65 else "A" if age >= 18 else "T" if age >= 12 else "C"
        if demo["sex"] == "UNK" and layout.is_laers:
            demo["sex"] = ""
        tables = layout.tables
        out: dict[str, list[str]] = {t: [] for t in TABLES}
        out["demo"].append(_formatter(tables["demo"], tuple(demo))(*demo.values()))
        drug_line = _formatter(tables["drug"], _DRUG_FIELDS)
        ther_line = _formatter(tables["ther"], _THER_FIELDS)
        indi_line = _formatter(tables["indi"], _INDI_FIELDS)
        base_seq = rng.randrange(1_000_000_000, 1_900_000_000) if layout.is_laers else 0
        for k, d in enumerate(case.drugs, start=1):
            seq = str(base_seq + k) if layout.is_laers else str(k)  # LAERS DRUG_SEQ is a global id
            out["drug"].append(drug_line(primaryid, caseid, seq, d.role, d.name, d.prod_ai,
                                         "1" if d.ingredient else "2", d.route_text, d.dose_vbm,
                                         rng.choice("UDYN"), rng.choice(("", "U", "", "N"))))
            if d.start or d.end:
                out["ther"].append(ther_line(primaryid, caseid, seq, d.start, d.end))
            if d.indication:
                out["indi"].append(indi_line(primaryid, caseid, seq, d.indication))
        for table, values in (("reac", [p.upper() for p in case.reactions] if layout.is_laers else case.reactions),
                              ("outc", case.outcomes), ("rpsr", case.sources)):
            line = _formatter(tables[table], ("primaryid", "caseid", _LAST_FIELD[table]))
            out[table] = [line(primaryid, caseid, v) for v in values]
        return out

    # ---- quarters ------------------------------------------------------------------------------------------
    def quarter(self, quarter: str, workdir: Path) -> tuple[dict[str, Path], list[int], int, dict[str, int]]:
        """Generate one quarter into per-table text files; return them, its deletions, its report count, quirks."""
        rng = random.Random(f"{self.seed}:{quarter}")
        # second sources draw from their own stream, so that adding them changes none of the other cases
        rng2 = random.Random(f"{self.seed}:{quarter}:second-source")
        layout = quarter_layout(quarter)
        lines: dict[str, list[str]] = {t: [] for t in TABLES}
        files = {t: open(workdir / f"{t}.txt", "w", encoding="utf-8", newline="") for t in TABLES}  # noqa: SIM115
        n_reports = 0

        def flush(force: bool = False) -> None:
            for t in TABLES:
                if lines[t] and (force or len(lines[t]) > 50_000):
                    files[t].write("\n".join(lines[t]) + "\n")
                    lines[t].clear()

        for report in self.pending.pop(quarter, []):
            for t in TABLES:
                lines[t].extend(report[t])
            n_reports += 1
        target = reports_per_quarter(quarter, self.scale)
        n_outbreak = round(self.outbreak_total * vocab.OUTBREAK_QUARTERS.get(quarter, 0))
        n_new = max(1, target - n_reports)
        last = len(self.quarters) - 1
        qi = self.index[quarter]
        for k in range(n_new):
            kind = "outbreak" if k < n_outbreak else ("esi" if rng.random() < P_ESI else "background")
            case = self.new_case(rng, quarter, layout, kind)
            # an initial report's FDA date is its receipt date (all that LAERS records of when FDA got the case)
            initial = self.render(case, layout, 1, case.received, rng)
            for t in TABLES:
                lines[t].extend(initial[t])
            n_reports += 1
            twin = self.second_source(rng2, case, quarter) if (
                kind != "outbreak" and rng2.random() < P_SECOND_SOURCE) else None
            if twin is not None:
                rendered = self.render(twin, layout, 1, twin.received, rng2)
                for t in TABLES:
                    lines[t].extend(rendered[t])
                n_reports += 1
                self.truth.second_source += 1
                self.truth.distinct_cases += 1
                self.truth.add_current(twin)
            final, final_layout = case, layout
            deleted_in = None
            if rng.random() < P_DELETED:
                later = qi + rng.randrange(1, 5)
                if self.first_deletion_list is not None:
                    later = max(later, self.first_deletion_list)
                    if later <= last:
                        deleted_in = self.quarters[later]
            if deleted_in is None and rng.random() < P_FOLLOW_UP and qi < last:
                tq = self.quarters[min(last, qi + rng.randrange(1, 5))]
                tlayout = quarter_layout(tq)
                final, final_layout = self.follow_up(rng, case, tlayout, parse_quarter(tq)[0]), tlayout
                version = 1 if (layout.is_laers and not tlayout.is_laers) else 2
                self.pending[tq].append(
                    self.render(final, tlayout, version, _date_in_quarter(rng, tq), rng, follow_up=True)
                )
                self.truth.follow_ups += 1
            if deleted_in:
                self.deletions[deleted_in].append(case.caseid)
                self.truth.deleted += 1
            else:
                self.truth.add_current(final)
            if (twin is not None and deleted_in is None and _comparable(final, final_layout)
                    and _comparable(twin, layout) and final.reactions == twin.reactions
                    and [d.name for d in final.drugs] == [d.name for d in twin.drugs]):
                self.truth.duplicate_pairs.append((twin.caseid, case.caseid))
            self.truth.distinct_cases += 1
            if len(lines["drug"]) > 50_000:
                flush()
        quirks = self._quirks(rng, lines, layout)
        flush(force=True)
        for f in files.values():
            f.close()
        self.truth.reports += n_reports
        return {t: workdir / f"{t}.txt" for t in TABLES}, self.deletions.pop(quarter, []), n_reports, quirks

    def _quirks(self, rng: random.Random, lines: dict[str, list[str]], layout: QuarterLayout) -> dict[str, int]:
        """Put FDA's rare byte-level quirks into the last batch of lines (rates as in real files, at least one)."""
        quirks: Counter[str] = Counter()
        if lines["drug"]:
            i = rng.randrange(len(lines["drug"]))
            parts = lines["drug"][i].split("$")
            parts[8 if layout.era == "faers" else (7 if layout.era == "early_faers" else 6)] += "\nEVERY 3 MONTHS"
            lines["drug"][i] = "$".join(parts)
            quirks["embedded_newline"] += 1
        if lines["indi"]:
            i = rng.randrange(len(lines["indi"]))
            lines["indi"][i] = lines["indi"][i][: lines["indi"][i].rfind("$") + 1] + "Back$pain"
            quirks["embedded_dollar"] += 1
        if lines["demo"]:
            i = rng.randrange(len(lines["demo"]))
            parts = lines["demo"][i].split("$")
            col = layout.tables["demo"].columns.index("mfr_sndr")
            parts[col] = "LABORATOIRES ÉCLAIR"
            lines["demo"][i] = "$".join(parts)
            quirks["latin1_line"] += 1
        if lines["reac"]:
            n = max(1, len(lines["reac"]) // 200)
            for _ in range(n):
                i = rng.randrange(len(lines["reac"]))
                lines["reac"].insert(i, lines["reac"][i])
            quirks["duplicate_reac_rows"] += n
        return dict(quirks)


@dataclass
class _Truth:
    reports: int = 0
    distinct_cases: int = 0
    deleted: int = 0
    follow_ups: int = 0
    second_source: int = 0
    # (second source's caseid, first case's caseid)
    duplicate_pairs: list[tuple[int, int]] = field(default_factory=list)
    current: int = 0
    by_year: Counter[int] = field(default_factory=Counter)
    exposed: Counter[str] = field(default_factory=Counter)
    event: Counter[str] = field(default_factory=Counter)
    both: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add_current(self, case: Case) -> None:
        self.current += 1
        self.by_year[case.received.year] += 1
        exposures = {e for d in case.drugs if d.ingredient in vocab.ESI_INGREDIENTS
                     for e, hit in d.exposure().items() if hit}
        events: set[str] = set()
        for p in case.reactions:
            events.update(_EVENT_KEYS.get(p.lower(), ()))
        for e in exposures:
            self.exposed[e] += 1
        for ev in events:
            self.event[ev] += 1
            for e in exposures:
                self.both[(e, ev)] += 1


def _tracked_events() -> tuple[str, ...]:
    return (*vocab.PLANTED_EVENTS, *vocab.OUTBREAK_EVENTS, *vocab.NULL_EVENTS)


def _event_keys() -> dict[str, tuple[str, ...]]:
    """PT (lower case) -> the truth keys it counts for: itself if tracked, and its event groups."""
    keys: dict[str, list[str]] = {}
    for pt in _tracked_events():
        keys.setdefault(pt.lower(), []).append(pt)
    for group, members in vocab.EVENT_GROUPS.items():
        for m in members:
            keys.setdefault(m.lower(), []).append(group)
    return {k: tuple(v) for k, v in keys.items()}


_EVENT_KEYS = _event_keys()


def _write_zip(path: Path, layout: QuarterLayout, files: dict[str, Path], deleted: list[int], level: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        info = zipfile.ZipInfo(SYNTHETIC_MARKER, ZIP_DATE)
        zf.writestr(info, f"{SYNTHETIC_NOTICE}\nWritten by faers-explorer {__version__} (python -m explorer synth).\n"
                          "Layout and quirks follow FDA's FAERS files; every value is made up.\n",
                    compress_type=zipfile.ZIP_DEFLATED)
        for t in TABLES:
            tl = layout.tables[t]
            info = zipfile.ZipInfo(f"{layout.folder}/{tl.file_name}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            # zipfile ignores the archive's level for members opened with a ZipInfo; typeshed does not list this
            # private attribute (Python 3.13 names it compress_level)
            info._compresslevel = level  # type: ignore[attr-defined]
            eol = b"\r\n" if tl.crlf else b"\n"
            header = tl.header + ("$" if tl.trailing and layout.era == "faers" else "")
            with zf.open(info, "w") as out, open(files[t], "rb") as src:
                out.write((b"\xef\xbb\xbf" if tl.bom else b"") + header.encode("ascii") + eol)
                while block := b"".join(src.readlines(8 << 20)):
                    if not block.isascii():  # the temp file is UTF-8; FDA's odd bytes are cp1252
                        block = block.decode("utf-8").encode("cp1252")
                    out.write(block.replace(b"\n", eol) if tl.crlf else block)
        if layout.deleted_file:
            info = zipfile.ZipInfo(layout.deleted_file, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, " \n" + "".join(f"{c}\n" for c in sorted(deleted)))


def generate(out_dir: str | Path, quarters: list[str], scale: float = 1.0, seed: int = 1,
             progress: Reporter | Callable[[str], None] | None = None) -> dict:
    """Write one zip per quarter and ``truth.json`` into ``out_dir``.

    Args:
        out_dir: target folder (created).
        quarters: consecutive quarter names, oldest first.
        scale: 1 = FAERS's real volumes (about 100,000 reports a quarter in 2004 to 400,000 in 2025).
        seed: the same seed, quarters and scale give the same bytes.
        progress: a reporter (a step over the quarters), or a callable given one line per quarter.

    Returns:
        The truth dictionary that was written to ``truth.json``.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    say = reporter(progress)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator(list(quarters), scale, seed)
    per_quarter = {}
    quirks_total: Counter = Counter()
    with (tempfile.TemporaryDirectory(dir=out, prefix=".synth-") as tmp,
          say.step(f"writing {len(gen.quarters)} synthetic quarter(s)", total=len(gen.quarters),
                   unit="quarters") as step):
        for quarter in gen.quarters:
            start = time.perf_counter()
            layout = quarter_layout(quarter)
            files, deleted, n_reports, quirks = gen.quarter(quarter, Path(tmp))
            zip_path = out / layout.zip_name
            # small (shipped) data compresses well; full-size data favours speed
            _write_zip(zip_path, layout, files, deleted, level=6 if scale < 0.05 else 1)
            quirks_total.update(quirks)
            per_quarter[quarter] = {"reports": n_reports, "deleted_listed": len(deleted)}
            say(f"{quarter}: {n_reports:,} reports -> {zip_path.name} "
                f"({zip_path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - start:.1f} s)")
            step.advance()
    truth = gen.truth
    pairs = {}
    for exposure in ("esi", "esi_strict_route", "esi_any_role"):
        for ev in (*_tracked_events(), *vocab.EVENT_GROUPS):
            a = truth.both[(exposure, ev)]
            n_e, n_ev = truth.exposed[exposure], truth.event[ev]
            pairs[f"{exposure}|{ev}"] = {
                "exposure": exposure, "event": ev, "planted": ev not in vocab.NULL_EVENTS,
                "cases": a, "a": a, "b": n_e - a, "c": n_ev - a, "d": truth.current - n_e - n_ev + a,
            }
    result = {
        "notice": SYNTHETIC_NOTICE,
        "generator_version": __version__,
        "seed": seed,
        "scale": scale,
        "quarters": list(quarters),
        "reports_written": truth.reports,
        "distinct_cases": truth.distinct_cases,
        "deleted_cases": truth.deleted,
        "follow_up_reports": truth.follow_ups,
        "second_source_cases": truth.second_source,
        "probable_duplicates": {
            "rule": "same full event date, age, sex, country, set of drugs and set of reactions as an earlier case",
            "planted": "second-source cases whose first case is current, has every compared field and was not "
                       "changed by a follow-up; each must be flagged as a probable duplicate of its first case",
            "pairs": sorted([twin, first] for twin, first in truth.duplicate_pairs),
        },
        "current_cases": truth.current,
        "cases_per_received_year": {str(y): n for y, n in sorted(truth.by_year.items())},
        "exposed_cases": dict(sorted(truth.exposed.items())),
        # the planted "Back$pain" (a '$' in INDI's last, free-text value) reads one valid way only: the loader keeps it
        # in indi_pt, '$' included, and rejects nothing (explorer/ingest/lines.py, repairs)
        "expected_rejected_lines": 0,
        "expected_dollar_values": quirks_total.get("embedded_dollar", 0),
        "expected_rejoined_records": quirks_total.get("embedded_newline", 0),
        "quirks": dict(quirks_total),
        "per_quarter": per_quarter,
        "definitions": {
            "esi": "ingredient in {methylprednisolone, triamcinolone, dexamethasone, betamethasone, hydrocortisone} "
                   "AND (canonical route Epidural OR dose_vbm/drugname mentions epidural, transforaminal, "
                   "interlaminar, caudal or ESI as a word) AND role PS or SS",
            "esi_strict_route": "as esi, but only the canonical route Epidural counts",
            "esi_any_role": "as esi, any drug role",
            "event_groups": {g: list(m) for g, m in vocab.EVENT_GROUPS.items()},
        },
        "pairs": pairs,
    }
    (out / "truth.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


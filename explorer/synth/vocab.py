"""What the synthetic reports are made of: ingredients, names, routes, PTs, and the planted signals."""

from __future__ import annotations

import random
from functools import cache

from explorer.vocab import observed_pts
from explorer.vocab.ingredients import brand_dictionary

ESI_STEROIDS = {
    # ingredient: (FDA prod_ai as coded, brands used for epidural injection, share of ESI cases)
    "methylprednisolone": ("METHYLPREDNISOLONE ACETATE", ("DEPO-MEDROL",), 0.35),
    "triamcinolone": ("TRIAMCINOLONE ACETONIDE", ("KENALOG-40", "KENALOG-10", "KENALOG"), 0.35),
    "dexamethasone": ("DEXAMETHASONE SODIUM PHOSPHATE", ("DECADRON",), 0.20),
    "betamethasone": ("BETAMETHASONE SODIUM PHOSPHATE\\BETAMETHASONE ACETATE", ("CELESTONE SOLUSPAN",), 0.10),
}
ESI_INGREDIENTS = frozenset({*ESI_STEROIDS, "hydrocortisone"})
"""The ingredients of the ``esi`` exposure definition."""

ESI_TEXT_WORDS = ("epidural", "transforaminal", "interlaminar", "caudal", "esi")
"""Words in dose_vbm or drugname that mark an epidural injection when the route field does not say so."""

ESI_VERBATIM_DOSES = (
    "80 MG EPIDURAL",
    "40 MG, TRANSFORAMINAL EPIDURAL STEROID INJECTION",
    "CAUDAL INJECTION 40 MG",
    "1 DF INTERLAMINAR EPIDURAL INJECTION",
    "80 MG/ML EPIDURAL L4-L5",
)
LOCAL_ANAESTHETICS = {"lidocaine": "LIDOCAINE HYDROCHLORIDE", "bupivacaine": "BUPIVACAINE HYDROCHLORIDE"}

PLANTED_EVENTS = {
    # PT: probability that an ESI case reports it (the background rate comes from the PT's frequency rank)
    "Spinal cord infarction": 0.05,
    "Paraplegia": 0.04,
    "Quadriplegia": 0.025,
    "Cerebral infarction": 0.03,
    "Blindness cortical": 0.02,
    "Sensation of heaviness": 0.05,
    "Muscular weakness": 0.08,
}
OUTBREAK_EVENTS = {"Meningitis fungal": 0.9, "Exserohilum infection": 0.3, "Meningitis": 0.4, "Arachnoiditis": 0.1}
OUTBREAK_QUARTERS = {"2012q4": 0.5, "2013q1": 0.35, "2013q2": 0.15}
NULL_EVENTS = ("Nausea", "Rash", "Fatigue", "Diarrhoea", "Headache")
"""PTs reported after ESI at the background rate: a method that flags them is wrong."""

EVENT_GROUPS = {
    "spinal_cord_ischaemia": ("Spinal cord infarction", "Spinal cord ischaemia", "Anterior spinal artery syndrome",
                              "Spinal artery thrombosis", "Spinal artery embolism"),
    "paralysis": ("Paraplegia", "Paraparesis", "Quadriplegia", "Quadriparesis", "Monoplegia", "Paralysis",
                  "Cauda equina syndrome"),
    "cerebrovascular": ("Cerebral infarction", "Cerebrovascular accident", "Ischaemic stroke",
                        "Cerebellar infarction", "Brain stem infarction", "Blindness cortical"),
    "cns_infection": ("Meningitis", "Meningitis fungal", "Meningitis aseptic", "Exserohilum infection",
                      "Arachnoiditis", "Extradural abscess"),
    "lower_limb_neuro": ("Sensation of heaviness", "Muscular weakness", "Hypoaesthesia", "Paraesthesia",
                         "Gait disturbance"),
}
RARE_IN_BACKGROUND = {p for group in EVENT_GROUPS.values() for p in group} - {"Muscular weakness", "Hypoaesthesia",
                                                                             "Paraesthesia", "Gait disturbance"}

ESI_INDICATIONS = ("Back pain", "Lumbar radiculopathy", "Radiculopathy", "Spinal stenosis", "Neck pain", "Sciatica")
INDICATIONS = ("Product used for unknown indication", "Hypertension", "Pain", "Rheumatoid arthritis", "Depression",
               "Type 2 diabetes mellitus", "Multiple sclerosis", "Breast cancer", "Psoriasis", "Asthma",
               "Atrial fibrillation", "Hypercholesterolaemia", "Plasma cell myeloma", "Crohn's disease",
               "Osteoporosis", "Schizophrenia", "Epilepsy", "HIV infection", "Insomnia", "Anxiety")

ROUTES = (  # background routes: (canonical, weight); never epidural
    ("Oral", 55), ("Unknown", 12), ("", 8), ("Intravenous (not otherwise specified)", 9), ("Subcutaneous", 8),
    ("Intramuscular", 2), ("Topical", 2), ("Respiratory (inhalation)", 2), ("Transdermal", 1),
    ("Intravenous drip", 1),
)
EDQM = {"Oral": "Oral use", "Intravenous (not otherwise specified)": "Intravenous use",
        "Subcutaneous": "Subcutaneous use", "Intramuscular": "Intramuscular use", "Epidural": "Epidural use"}

_SYLLABLES_A = ("bra", "ce", "da", "fo", "ga", "hu", "ki", "lo", "mi", "ne", "pra", "qui", "ro", "sa", "tre", "vo",
                "xe", "zy", "al", "en", "or", "ul", "is", "ob")
_SYLLABLES_B = ("la", "ri", "mo", "ta", "ve", "no", "si", "du", "ke", "po", "ga", "zi", "")
_STEMS = ("mab", "nib", "pril", "sartan", "olol", "statin", "azole", "cillin", "floxacin", "tide", "vir",
          "parin", "dipine", "tinib", "zumab", "ximab", "oxetine", "azepam", "profen", "setron", "gliptin",
          "lukast", "tidine", "prazole", "dronate", "semide", "barb", "caine", "mycin", "cycline")


@cache
def background_ingredients(n: int = 2500) -> tuple[str, ...]:
    """Ingredients in order of reporting frequency: the dictionary's real ones first, then made-up generic names.

    The five ESI ingredients sit at ranks 30-80 (they are commonly reported by other routes too).
    """
    real = sorted({i for ings in brand_dictionary().values() for i in ings} - ESI_INGREDIENTS)
    rng = random.Random(7)
    rng.shuffle(real)
    made: list[str] = []
    seen = set(real) | ESI_INGREDIENTS
    while len(real) + len(made) < n - len(ESI_INGREDIENTS):
        name = rng.choice(_SYLLABLES_A) + rng.choice(_SYLLABLES_B) + rng.choice(_SYLLABLES_A) + rng.choice(_STEMS)
        if name not in seen and "esi" not in name and "caudal" not in name:
            seen.add(name)
            made.append(name)
    ordered = real + made
    for k, ing in enumerate(sorted(ESI_INGREDIENTS)):
        ordered.insert(30 + 12 * k, ing)
    return tuple(ordered)


@cache
def brands_by_ingredient() -> dict[str, tuple[str, ...]]:
    """Single-ingredient brands of the dictionary, by ingredient."""
    out: dict[str, list[str]] = {}
    for key, ings in brand_dictionary().items():
        if len(ings) == 1 and " " not in key:
            out.setdefault(ings[0], []).append(key)
    return {k: tuple(sorted(v)) for k, v in out.items()}


@cache
def background_pts() -> tuple[str, ...]:
    """PTs in order of reporting frequency, in FAERS's sentence case. Group PTs are put in the rare tail."""
    pts = list(observed_pts())
    rng = random.Random(11)
    rng.shuffle(pts)
    rare = {p.lower() for p in RARE_IN_BACKGROUND | set(OUTBREAK_EVENTS)}
    common = [p for p in NULL_EVENTS]
    middle = [p for p in pts if p.lower() not in rare and p not in common]
    tail = sorted(RARE_IN_BACKGROUND | set(OUTBREAK_EVENTS))
    return tuple(common + middle + tail)

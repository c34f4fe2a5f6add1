"""An INVENTED MedDRA distribution in the exact ASCII layout of the MSSO's files, and FAERS quarters that use it.

Every code (7xxxxxxx) and every term here is made up: no MedDRA content ships with the project. The lines are
written field by field as the MSSO's distribution file format describes them (``$``-delimited, each line ending with
``$``, the legacy cross-coding columns present and empty), independently of the reader's own layout table, so that a
reader that got the layout wrong fails these tests.

Two versions: 90.0 (older) and 91.0 (current). Between them the PT 73000002 was renamed from "Quibble infarct" to
"Quibble infarction". The SMQ "Invented ischaemic SMQ" has narrow terms (Quibble infarction, Flimmer palsy), a broad
term (Grommet ache) and an inactive narrow term (Wobbly gait); "Invented parent SMQ" holds it as a sub-SMQ;
"Invented algorithmic SMQ" has an algorithm.
"""

from __future__ import annotations

from pathlib import Path

from .helpers import report, write_quarter

SOCS = {70000001: ("Invented nervous disorders", "Inerv"), 70000002: ("Invented vascular disorders", "Ivasc")}
HLGTS = {71000001: ("Invented neurological signs", 70000001), 71000002: ("Invented vessel conditions", 70000002)}
HLTS = {72000001: ("Zorb conditions NEC", 71000001), 72000002: ("Quibble vascular events", 71000002),
        72000003: ("Flimmer disorders", 71000001)}
# PT code -> (name in 91.0, name in 90.0, primary SOC, [(HLT, is primary path)])
PTS = {73000001: ("Zorblat syndrome", "Zorblat syndrome", 70000001, [(72000001, True), (72000002, False)]),
       73000002: ("Quibble infarction", "Quibble infarct", 70000002, [(72000002, True)]),
       73000003: ("Flimmer palsy", "Flimmer palsy", 70000001, [(72000003, True)]),
       73000004: ("Grommet ache", "Grommet ache", 70000001, [(72000003, True)]),
       73000005: ("Wobbly gait", "Wobbly gait", 70000001, [(72000001, True)])}
# LLTs besides each PT's own: code -> (name, PT, current in 91.0, current in 90.0)
LLTS = {74000001: ("Zorblat fit", 73000001, True, True), 74000002: ("Old zorb spell", 73000003, False, True)}
SMQ_NAME = "Invented ischaemic SMQ"
PARENT_SMQ = "Invented parent SMQ"
ALGORITHMIC_SMQ = "Invented algorithmic SMQ"


def _line(*fields) -> str:
    return "$".join("" if f is None else str(f) for f in fields) + "$"


def distribution_lines(version: str = "91.0") -> dict[str, list[str]]:
    """The lines of every file of the invented distribution at a version (90.0 or 91.0)."""
    new = version != "90.0"
    legacy7 = [None] * 7  # whoart, harts, costart, icd9, icd9cm, icd10, jart
    files: dict[str, list[str]] = {
        "soc.asc": [_line(c, n, a, *legacy7) for c, (n, a) in SOCS.items()],
        "hlgt.asc": [_line(c, n, *legacy7) for c, (n, _) in HLGTS.items()],
        "hlt.asc": [_line(c, n, *legacy7) for c, (n, _) in HLTS.items()],
        "soc_hlgt.asc": [_line(s, c) for c, (_, s) in HLGTS.items()],
        "hlgt_hlt.asc": [_line(g, c) for c, (_, g) in HLTS.items()],
        "hlt_pt.asc": [_line(h, p) for p, (*_, paths) in PTS.items() for h, _ in paths],
    }
    # pt.asc: pt_code, pt_name, null_field, pt_soc_code, whoart, harts, costart, icd9, icd9cm, icd10, jart
    files["pt.asc"] = [_line(c, n91 if new else n90, None, soc, *legacy7) for c, (n91, n90, soc, _) in PTS.items()]
    # llt.asc: llt_code, llt_name, pt_code, whoart, harts, costart, icd9, icd9cm, icd10, llt_currency, jart
    llt = [_line(c, n91 if new else n90, c, *[None] * 6, "Y", None) for c, (n91, n90, _, _) in PTS.items()]
    llt += [_line(c, n, pt, *[None] * 6, "Y" if (cur91 if new else cur90) else "N", None)
            for c, (n, pt, cur91, cur90) in LLTS.items()]
    files["llt.asc"] = llt
    # mdhier.asc: pt, hlt, hlgt, soc, pt_name, hlt_name, hlgt_name, soc_name, soc_abbrev, null_field, pt_soc_code,
    # primary_soc_fg
    hier = []
    for p, (n91, n90, primary, paths) in PTS.items():
        for h, is_primary in paths:
            g = HLTS[h][1]
            s = HLGTS[g][1]
            hier.append(_line(p, h, g, s, n91 if new else n90, HLTS[h][0], HLGTS[g][0], SOCS[s][0], SOCS[s][1], None,
                              primary, "Y" if is_primary else "N"))
    files["mdhier.asc"] = hier
    # smq_list.asc: code, name, level, description, source, note, MedDRA version, status, algorithm
    files["smq_list.asc"] = [
        _line(75000001, SMQ_NAME, 2, "Invented conditions of invented vessels", "Invented source", None, version,
              "A", "N"),
        _line(75000010, PARENT_SMQ, 1, "Holds the invented ischaemic SMQ", None, None, version, "A", "N"),
        _line(75000002, ALGORITHMIC_SMQ, 1, "An invented query with an algorithm", None, None, version, "A",
              "A or (B and C)"),
    ]
    # smq_content.asc: smq_code, term_code, term_level, term_scope, term_category, term_weight, term_status,
    # addition version, last modified version
    files["smq_content.asc"] = [
        _line(75000001, 73000002, 4, 2, "A", 0, "A", "90.0", version),   # narrow
        _line(75000001, 73000002, 5, 2, "A", 0, "A", "90.0", version),   # its own LLT
        _line(75000001, 73000003, 4, 2, "A", 0, "A", "90.0", version),   # narrow
        _line(75000001, 74000002, 5, 2, "A", 0, "A", "90.0", version),   # an LLT of that PT
        _line(75000001, 73000004, 4, 1, "A", 0, "A", "90.0", version),   # broad
        _line(75000001, 73000005, 4, 2, "A", 0, "I", "90.0", version),   # narrow but inactive
        _line(75000010, 75000001, 0, 0, "S", 0, "A", "90.0", version),   # sub-SMQ
        _line(75000002, 73000001, 4, 2, "A", 0, "A", "90.0", version),   # algorithmic, category A
        _line(75000002, 73000005, 4, 1, "B", 0, "A", "90.0", version),   # algorithmic, category B
    ]
    files["meddra_release.asc"] = [_line(version, "English", None, None)]
    return files


def write_distribution(folder: Path, version: str = "91.0", *, medascii: bool = True, upper_names: bool = False,
                       replace: dict[str, list[str] | None] | None = None) -> Path:
    """Write the invented distribution.

    Args:
        folder: where to write (the distribution's folder).
        version: 90.0 or 91.0.
        medascii: put the files in ``folder/MedAscii`` (as the MSSO ships them) rather than in ``folder``.
        upper_names: write the file names in upper case (older releases mixed cases).
        replace: per file name, lines to write instead (None: leave the file out).

    Returns:
        The folder given.
    """
    target = folder / "MedAscii" if medascii else folder
    target.mkdir(parents=True, exist_ok=True)
    for name, lines in {**distribution_lines(version), **(replace or {})}.items():
        if lines is None:
            continue
        (target / (name.upper() if upper_names else name)).write_text("".join(f"{ln}\r\n" for ln in lines),
                                                                       encoding="ascii")
    return folder


# caseid -> (reported term, quarter, exposed to zorbicillin)
CASES = {1: ("Zorblat syndrome", "2020q1", True),
         2: ("QUIBBLE INFARCT", "2004q1", True),     # LAERS, upper case, the 90.0 name of a renamed PT
         3: ("Flimmer palsy", "2020q1", True),
         4: ("Grommet ache", "2020q1", True),        # broad term only
         5: ("Zorblat fit", "2020q1", False),        # a current LLT
         6: ("Nonexistent blorp", "2020q1", False),  # maps to nothing
         7: ("FLIMMER  palsy", "2020q1", False),     # case and spacing
         8: ("Old zorb spell", "2020q1", False),     # a non-current LLT
         9: ("Wobbly gait", "2020q1", False)}        # an inactive term of the SMQ
NARROW = {2, 3, 7, 8}
BROAD = NARROW | {4}


def write_faers(folder: Path) -> list[Path]:
    """Two quarters (a LAERS one and a current one) whose reactions use the invented terms of ``CASES``."""
    out = []
    for quarter in ("2004q1", "2020q1"):
        rows: dict[str, list[dict[str, str]]] = {"demo": [], "drug": [], "reac": []}
        for caseid, (term, q, exposed) in CASES.items():
            if q != quarter:
                continue
            pid = f"{caseid}1"
            fda_dt = "20040115" if quarter == "2004q1" else "20200115"
            rows["demo"].append(report(pid, str(caseid), "1", fda_dt, sex="F", age="50", age_cod="YR"))
            name = "ZORBICILLIN" if exposed else "PLACEBOL"
            rows["drug"].append({"primaryid": pid, "caseid": str(caseid), "drug_seq": "1", "role_cod": "PS",
                                 "drugname": name, "prod_ai": name, "route": "ORAL"})
            rows["reac"].append({"primaryid": pid, "caseid": str(caseid), "pt": term})
        out.append(write_quarter(folder, quarter, rows))
    return out

"""Routes, active moieties and drug-name resolution, including the resolved share on real FAERS rows."""

from __future__ import annotations

import duckdb
import pytest

from explorer.load import load
from explorer.vocab.ingredients import (
    active_moiety,
    drugname_ingredients,
    known_ingredients,
    learn_names,
    prod_ai_ingredients,
)
from explorer.vocab.routes import canonical_route


@pytest.mark.parametrize(
    ("raw", "route"),
    [("EPIDURAL", "Epidural"), ("Epidural", "Epidural"), ("epidural ", "Epidural"), ("Epidural use", "Epidural"),
     ("Intravenous use", "Intravenous (not otherwise specified)"),
     ("Intravenous (not otherwise specified)", "Intravenous (not otherwise specified)"),
     ("INTRAVENOUS", "Intravenous (not otherwise specified)"), ("Oral use", "Oral"), ("  ", None), (None, None),
     ("intramusc-glut", "Intramusc-glut"), ("Intratracheal ", "Intratracheal")],
)
def test_canonical_route(raw, route):
    assert canonical_route(raw) == route


@pytest.mark.parametrize(
    ("name", "moiety"),
    [("METHYLPREDNISOLONE ACETATE", "methylprednisolone"), ("TRIAMCINOLONE ACETONIDE", "triamcinolone"),
     ("DEXAMETHASONE SODIUM PHOSPHATE", "dexamethasone"), ("BUPIVACAINE HYDROCHLORIDE", "bupivacaine"),
     ("SODIUM CHLORIDE", "sodium chloride"), ("POTASSIUM CHLORIDE", "potassium chloride"),
     ("ATORVASTATIN CALCIUM TRIHYDRATE", "atorvastatin"), ("INSULIN GLARGINE", "insulin glargine")],
)
def test_active_moiety(name, moiety):
    assert active_moiety(name) == moiety


def test_prod_ai_with_several_ingredients():
    assert prod_ai_ingredients("BETAMETHASONE SODIUM PHOSPHATE\\BETAMETHASONE ACETATE") == ("betamethasone",)
    assert prod_ai_ingredients("LIDOCAINE\\EPINEPHRINE BITARTRATE") == ("lidocaine", "epinephrine")


@pytest.mark.parametrize(
    ("name", "ingredients"),
    [("Depo-Medrol", ("methylprednisolone",)), ("SOLU?MEDROL", ("methylprednisolone",)),
     ("SOLU-MEDROL", ("methylprednisolone",)), ("KENALOG-40", ("triamcinolone",)),
     ("CELESTONE SOLUSPAN", ("betamethasone",)), ("DECADRON", ("dexamethasone",)), ("MARCAINE", ("bupivacaine",)),
     ("SENSORCAINE", ("bupivacaine",)), ("XYLOCAINE", ("lidocaine",)), ("NAROPIN", ("ropivacaine",)),
     ("DURAMORPH", ("morphine",)), ("LIDOCAINE.", ("lidocaine",)), ("LIPITOR 20MG TABLETS", ("atorvastatin",)),
     ("TYLENOL/CODEINE", ("acetaminophen", "codeine")), ("XYZ-123 BLUE PILL", ()),
     ("PROLIX [PREDNISONE]", ("prednisone",)), ("LACTULON//ATORVASTATIN", ("atorvastatin",))],
)
def test_drugname_resolution(name, ingredients):
    assert drugname_ingredients(name, known_ingredients({"codeine"})) == ingredients


def test_names_learned_from_coded_rows_need_support_and_agreement():
    learned = learn_names([("ZYPREXA", "OLANZAPINE", 5), ("ODDNAME", "ASPIRIN", 2), ("MIXED", "ASPIRIN", 5),
                           ("MIXED", "IBUPROFEN", 5)])
    assert learned == {"ZYPREXA": ("olanzapine",)}
    assert drugname_ingredients("ZYPREXA 10 MG", known_ingredients(), learned) == ("olanzapine",)


def test_share_of_real_drug_rows_resolved(samples, tmp_path, capsys):
    db = tmp_path / "f.duckdb"
    load([samples / "zips" / "aers_ascii_2004q1.zip", samples / "zips" / "faers_ascii_2017q2.zip",
          samples / "2012q4-head", samples / "2020q3-excerpt"], db)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("""
        SELECT CASE WHEN quarter < '2012q4' THEN 'LAERS (drugname only)'
                    WHEN quarter < '2014q3' THEN '2012Q4-2014Q2 (drugname only)'
                    ELSE 'FAERS (prod_ai)' END AS era,
               count(*) AS n, count(*) FILTER (WHERE len(ingredients) > 0) AS resolved
        FROM drugs JOIN cases USING (caseid) GROUP BY 1 ORDER BY 1""").fetchall()
    with capsys.disabled():
        print("\nshare of real drug rows resolved to an active ingredient:")
        for era, n, resolved in rows:
            print(f"  {era:32} {resolved:6}/{n:<6} = {resolved / n:.1%}")
    shares = {era: resolved / n for era, n, resolved in rows}
    assert shares["FAERS (prod_ai)"] > 0.975  # FDA leaves about 2.5% of rows uncoded; we resolve some of them
    assert shares["LAERS (drugname only)"] > 0.5  # names only: the brand dictionary plus names learned from prod_ai

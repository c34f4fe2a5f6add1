"""How FDA wrote each era's files: names, headers, line endings, trailing ``$``, BOM, zip folder.

Headers are FDA's, byte for byte (see ``../shared/faers/samples`` and FDA's ASC_NTS document). Each header name is
mapped to a canonical column through the loader's own column map, so the generator and the loader agree by
construction on what a field means, and disagree only if the map is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.ingest.layouts import TABLES, column_map
from explorer.quarters import parse_quarter

LAERS_HEADERS = {
    "demo": "ISR$CASE$I_F_COD$FOLL_SEQ$IMAGE$EVENT_DT$MFR_DT$FDA_DT$REPT_COD$MFR_NUM$MFR_SNDR$AGE$AGE_COD$GNDR_COD"
            "$E_SUB$WT$WT_COD$REPT_DT$OCCP_COD$DEATH_DT$TO_MFR$CONFID",
    "drug": "ISR$DRUG_SEQ$ROLE_COD$DRUGNAME$VAL_VBM$ROUTE$DOSE_VBM$DECHAL$RECHAL$LOT_NUM$EXP_DT$NDA_NUM",
    "reac": "ISR$PT",
    "outc": "ISR$OUTC_COD",
    "rpsr": "ISR$RPSR_COD",
    "ther": "ISR$DRUG_SEQ$START_DT$END_DT$DUR$DUR_COD",
    "indi": "ISR$DRUG_SEQ$INDI_PT",
}
EARLY_FAERS_HEADERS = {  # 2012Q4-2014Q2
    "demo": "primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$mfr_num$mfr_sndr$age"
            "$age_cod$gndr_cod$e_sub$wt$wt_cod$ rept_dt$to_mfr$occp_cod$reporter_country$occr_country",
    "drug": "primaryid$caseid$drug_seq$role_cod$drugname$val_vbm$route$dose_vbm$cum_dose_chr$cum_dose_unit$dechal"
            "$rechal$lot_nbr$exp_dt$nda_num$dose_amt$dose_unit$dose_form$dose_freq",
    "reac": "primaryid$caseid$pt",
    "outc": "primaryid$caseid$outc_code",
    "rpsr": "primaryid$caseid$rpsr_cod",
    "ther": "primaryid$caseid$dsg_drug_seq$start_dt$end_dt$dur$dur_cod",
    "indi": "primaryid$caseid$indi_drug_seq$indi_pt",
}
FAERS_HEADERS = {  # 2014Q3 on
    "demo": "primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$auth_num$mfr_num"
            "$mfr_sndr$lit_ref$age$age_cod$age_grp$sex$e_sub$wt$wt_cod$rept_dt$to_mfr$occp_cod$reporter_country"
            "$occr_country",
    "drug": "primaryid$caseid$drug_seq$role_cod$drugname$prod_ai$val_vbm$route$dose_vbm$cum_dose_chr$cum_dose_unit"
            "$dechal$rechal$lot_num$exp_dt$nda_num$dose_amt$dose_unit$dose_form$dose_freq",
    "reac": "primaryid$caseid$pt$drug_rec_act",
    "outc": "primaryid$caseid$outc_cod",
    "rpsr": "primaryid$caseid$rpsr_cod",
    "ther": "primaryid$caseid$dsg_drug_seq$start_dt$end_dt$dur$dur_cod",
    "indi": "primaryid$caseid$indi_drug_seq$indi_pt",
}


@dataclass(frozen=True)
class TableLayout:
    """How one table of one quarter is written."""

    file_name: str
    header: str
    columns: tuple[str, ...]  # canonical column of each header field
    trailing: bool  # data rows end with an extra "$"
    crlf: bool
    bom: bool


@dataclass(frozen=True)
class QuarterLayout:
    """How one quarter is written: the zip name, its folder, its tables."""

    quarter: str
    era: str  # laers | early_faers | faers
    zip_name: str
    folder: str
    tables: dict[str, TableLayout]
    deleted_file: str | None  # from 2019Q1: Deleted/DELETEyyQq.txt

    @property
    def is_laers(self) -> bool:
        return self.era == "laers"


def _columns(table: str, header: str) -> tuple[str, ...]:
    known = column_map()[table]
    return tuple(known[h.strip().lower()] for h in header.split("$"))


def quarter_layout(quarter: str) -> QuarterLayout:
    """The layout FDA used for a quarter."""
    year, q = parse_quarter(quarter)
    yy = f"{year % 100:02d}"
    tables: dict[str, TableLayout] = {}
    if (year, q) < (2012, 4):
        era, headers = "laers", dict(LAERS_HEADERS)
        if (year, q) >= (2005, 3):
            headers["demo"] += "$REPORTER_COUNTRY"
        for t in TABLES:
            # Legacy rows end with "$" though the header does not (INDI rows excepted); CRLF; upper-case names.
            tables[t] = TableLayout(f"{t.upper()}{yy}Q{q}.TXT", headers[t], _columns(t, headers[t]),
                                    trailing=t != "indi", crlf=True, bom=False)
        return QuarterLayout(quarter, era, f"aers_ascii_{year}q{q}.zip", "ascii", tables, None)
    if (year, q) < (2014, 3):
        for t in TABLES:
            h = EARLY_FAERS_HEADERS[t]
            tables[t] = TableLayout(f"{t}{yy}q{q}.txt", h, _columns(t, h), trailing=False,
                                    crlf=t == "drug", bom=t == "drug" and (year, q) == (2012, 4))
        return QuarterLayout(quarter, "early_faers", f"faers_ascii_{year}q{q}.zip", "ascii", tables, None)
    for t in TABLES:
        h = FAERS_HEADERS[t]
        name = f"{t.upper()}{yy}Q{q}.txt"
        if (year, q) == (2018, 1) and t == "demo":
            name = f"DEMO{yy}Q{q}_new.txt"
        # DRUG files of 2020 end every line with an extra "$"; DEMO files are CRLF, as FDA shipped them.
        tables[t] = TableLayout(name, h, _columns(t, h), trailing=t == "drug" and year == 2020,
                                crlf=t == "demo", bom=False)
    folder = "ASCII" if year >= 2019 else "ascii"
    deleted = f"Deleted/DELETE{yy}Q{q}.txt" if (year, q) >= (2019, 1) else None
    return QuarterLayout(quarter, "faers", f"faers_ascii_{year}q{q}.zip", folder, tables, deleted)

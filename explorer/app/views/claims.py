"""Claim check: paste a sentence from an article; see what FAERS can and cannot say about it."""

import hashlib
import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from explorer.app import common
from explorer.claims import ClaimError, check, match
from explorer.definitions import single_pt
from explorer.report import evidence

EXAMPLE = ("heaviness in both legs after an epidural steroid injection ... could be a sign of a rare but serious "
           "complication, such as spinal cord infarction or nerve damage, as reported in the FDA Adverse Event "
           "Reporting System database")

s = common.store()
st.title("Claim check")
synthetic = common.banner(s)
st.caption("Verdicts by what the sentence claims: that events have been reported (supported / not found), how "
           "often they occur or that the drug causes them (not assessable from spontaneous reports), or when they "
           "start (compared with the time to onset).")
text = st.text_area("Sentence(s) from the article", st.query_params.get("claim", EXAMPLE), height=120, key="claim")
if not text.strip():
    st.info("Paste the sentence to check.")
    st.stop()
st.query_params["claim"] = text
found = match(text, s)
defs = s.definitions
# the corrections belong to this text: new text, fresh widgets with what the new text names
tag = hashlib.sha1(text.encode()).hexdigest()[:10]
st.subheader("What was recognised — correct it if needed")
exposure_options = sorted(defs.exposures)
found_exposures = [e.name for _, e in found.exposures if e.name in defs.exposures]
chosen_exposures = st.multiselect("Exposures (named definitions)", exposure_options, default=found_exposures,
                                  key=f"claim-exposures-{tag}")
other_exposures = [e for _, e in found.exposures if e.name not in defs.exposures]
if other_exposures:
    st.caption("Also found: " + ", ".join(e.title for e in other_exposures))
group_options = sorted(defs.events)
found_events = [v for _, v in found.events]
group_defaults = [v.name for v in found_events if v.name in defs.events]
chosen_groups = st.multiselect("Event groups", group_options, default=group_defaults, key=f"claim-groups-{tag}")
pt_defaults = [p for v in found_events if v.name not in defs.events for p in v.pts]
pts = st.multiselect("Preferred terms", sorted(set(common.pt_vocabulary(s)) | set(pt_defaults)),
                     default=pt_defaults, key=f"claim-pts-{tag}")
exposures = [defs.exposure(n) for n in chosen_exposures] + other_exposures
events = [defs.event(n) for n in chosen_groups] + [single_pt(p) for p in pts]
try:
    report = check(s, text, exposures or None, events or None)
except ClaimError as e:
    st.warning(str(e))
    st.stop()
table = evidence.findings_table(report)
st.subheader("Verdicts")
st.dataframe(table[["exposure", "event", "claim_type", "verdict", "cases", "serious", "deaths", "years", "ror",
                    "ror_lower", "ror_upper", "eb05", "onset_n", "onset_median_days"]], hide_index=True,
             width="stretch")
st.subheader("Readings to quote")
for reading in dict.fromkeys(table["reading"]):
    st.markdown(f"- {reading}")
with st.expander("Methods paragraph"):
    st.write(evidence.methods(report))
    st.code(evidence.citation(report), language=None)


def pack_zip() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        files = evidence.write_pack(report, tmp, str(common.db_path().resolve()))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, Path(f).relative_to(tmp).as_posix())
        return buf.getvalue()


st.download_button("Evidence pack (zip: HTML, PDF, charts, tables, methods, citation, query)", data=pack_zip,
                   file_name="evidence-pack.zip", mime="application/zip", key="pack", on_click="ignore")
common.table_downloads(pd.DataFrame(table), "claim check", common.charts.caption(
    report["data"]["notice"], report["data"]["quarters"], "claim check", synthetic=synthetic), synthetic, "claims")

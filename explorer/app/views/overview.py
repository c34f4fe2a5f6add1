"""Overview: what is loaded, how it was deduplicated, what was rejected."""

import streamlit as st

from explorer import query
from explorer.app import common

s = common.store()
st.title("FAERS signal explorer")
synthetic = common.banner(s)
quarters = query.run(s.con, "loaded_quarters")
flow = query.run(s.con, "dedup_flow")
current = int(flow.loc[flow["step"] == "current_cases", "n"].iloc[0]) if len(flow) else 0
c1, c2, c3, c4 = st.columns(4)
c1.metric("Quarters loaded", len(quarters))
c2.metric("Report versions read", f"{int(flow['n'].iloc[0]):,}" if len(flow) else "0")
c3.metric("Current cases", f"{current:,}")
c4.metric("Rejected lines", f"{int(quarters['rejected_lines'].sum()):,}")
st.caption("A case is counted once, in its latest version (highest caseversion, then latest FDA date, then highest "
           "primaryid); cases FDA deleted are removed. Spontaneous reports have no denominator: counts are not rates.")
st.subheader("Deduplication flow")
st.dataframe(flow, hide_index=True, width="stretch")
st.subheader("Quarters")
st.dataframe(quarters, hide_index=True, width="stretch")
common.table_downloads(quarters, "loaded quarters", common.charts.caption(
    s.notice()[1], common.quarters_label(s), "files loaded, with sha256", synthetic=synthetic), synthetic, "quarters")
rejects = query.run(s.con, "rejects_by_reason")
st.subheader("Rejected lines")
if rejects.empty:
    st.info("No line was rejected.")
else:
    st.dataframe(rejects, hide_index=True, width="stretch")
files = s.con.execute("SELECT quarter, file, table_name, sha256, bytes, rows_loaded, rows_rejected, loaded_at "
                      "FROM load_log ORDER BY quarter, table_name").df()
with st.expander("Files with sha256"):
    st.dataframe(files, hide_index=True, width="stretch")

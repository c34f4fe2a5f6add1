"""Overview: what is loaded, how it was deduplicated, what was rejected."""

import streamlit as st

from explorer.app import downloads, meddra_picker, page


def body(p: page.Page) -> None:
    quarters = page.run_query(p, "loaded_quarters")
    flow = page.run_query(p, "dedup_flow")
    current = int(flow.loc[flow["step"] == "current_cases", "n"].iloc[0]) if len(flow) else 0
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Quarters loaded", len(quarters))
    c2.metric("Report versions read", f"{int(flow['n'].iloc[0]):,}" if len(flow) else "0")
    c3.metric("Current cases", f"{current:,}")
    c4.metric("Rejected lines", f"{int(quarters['rejected_lines'].sum()):,}" if len(quarters) else "0")
    st.caption("A case is counted once, in its latest version (highest caseversion, then latest FDA date, then "
               "highest primaryid); cases FDA deleted are removed. Spontaneous reports have no denominator: counts "
               "are not rates. This page describes the whole database; the sidebar's selection applies on the "
               "other pages.")
    cap = p.caption("files loaded, with sha256")
    st.subheader("Deduplication flow")
    st.dataframe(flow, hide_index=True, width="stretch")
    downloads.table(flow, "deduplication flow", cap, p.synthetic, "flow")
    st.subheader("Quarters")
    st.dataframe(quarters, hide_index=True, width="stretch")
    downloads.table(quarters, "loaded quarters", cap, p.synthetic, "quarters")
    rejects = page.run_query(p, "rejects_by_reason")
    st.subheader("Rejected lines")
    if rejects.empty:
        st.info("No line was rejected.")
    else:
        st.dataframe(rejects, hide_index=True, width="stretch")
        downloads.table(rejects, "rejected lines by reason", cap, p.synthetic, "rejects")
    files = page.run_query(p, "app_load_files")
    with st.expander("Files with sha256"):
        st.dataframe(files, hide_index=True, width="stretch")
        downloads.table(files, "files loaded with sha256", cap, p.synthetic, "files")
    meddra_picker.overview_section(p.store)  # the MedDRA version, how reported terms map, unmapped terms


page.run("overview", "Overview", body, selection=False)

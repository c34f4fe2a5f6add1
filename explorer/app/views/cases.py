"""Cases: the paged line listing; selecting a row opens the full case."""

import streamlit as st

from explorer import analysis
from explorer.app import common, meddra_picker

s = common.store()
st.title("Cases")
synthetic = common.banner(s)
sel = common.sidebar_selection(s, need_exposure=False)
c1, c2, c3 = st.columns(3)
sort = c1.selectbox("Sort by", list(analysis.LISTING_SORTS), key="sort")
descending = c2.toggle("Newest / largest first", value=True, key="desc")
size = c3.selectbox("Rows per page", [25, 50, 100, 200], index=1, key="size")
page_no = st.session_state.get("page_no", 0)
frame, total = analysis.listing(s, sel, sort, descending, size, page_no * size)
if total == 0:
    st.info("No current case matches this selection.")
    st.stop()
pages = (total - 1) // size + 1
st.caption(f"{total:,} cases · page {page_no + 1} of {pages}")
p1, p2 = st.columns(2)
if p1.button("◀ Previous", disabled=page_no == 0, key="prev"):
    st.session_state["page_no"] = page_no - 1
    st.rerun()
if p2.button("Next ▶", disabled=page_no >= pages - 1, key="next"):
    st.session_state["page_no"] = page_no + 1
    st.rerun()
event = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun",
                     selection_mode="single-row", key="listing")
common.table_downloads(frame, "case listing", common.caption_for(s, sel, synthetic), synthetic, "listing")
rows = event.selection.rows if event and event.selection else []
caseid = str(frame["caseid"].iloc[rows[0]]) if rows else st.query_params.get("case")
if caseid:
    st.query_params["case"] = caseid
    try:
        parts = analysis.case(s, caseid)
    except Exception as e:  # a case from an old link that is no longer current
        st.warning(str(e))
        st.stop()
    st.subheader(f"Case {caseid}")
    st.dataframe(parts["report"].T.rename(columns={0: "value"}), width="stretch")
    st.markdown("**Drugs** (role, route, dose, ingredients, therapy dates, indications)")
    st.dataframe(parts["drugs"], hide_index=True, width="stretch")
    st.markdown("**Reactions, outcomes, report sources**")
    st.dataframe(parts["reactions"], hide_index=True, width="stretch")
    meddra_picker.case_reactions(s, caseid)  # reported term -> current MedDRA PT, primary SOC (when imported)
    st.markdown("**Versions FDA published** (rank 1 is current)")
    st.dataframe(parts["versions"], hide_index=True, width="stretch")
    if len(parts["duplicates"]):
        st.markdown("**Probable duplicates**: current cases with the same full event date, age, sex, country, drugs "
                    "and reactions (likely one event reported by several sources; kept unless excluded in the "
                    "sidebar, which keeps the first received)")
        st.dataframe(parts["duplicates"], hide_index=True, width="stretch")

"""Cases: the paged line listing (drugs and reactions first, codes decoded); selecting a row opens the full case."""

import pandas as pd
import streamlit as st

from explorer import analysis, codes
from explorer.app import cached, downloads, meddra_picker, page, state
from explorer.errors import ExplorerError

FIRST = ["caseid", "exposure_drugs", "reactions", "received_date", "event_date", "event_date_precision", "sex",
         "age_years", "country", "occp_cod", "rept_cod", "is_serious", "is_death", "probable_duplicate_of"]
SIZES = [25, 50, 100, 200]


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes decoded ('MD — Physician'), dates without a time of day, ages to one decimal."""
    out = codes.decode_frame(frame)
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):  # a date, or nothing (never "None" or 00:00:00)
            out[col] = out[col].dt.strftime("%Y-%m-%d").fillna("")
    if "age_years" in out:
        out["age_years"] = out["age_years"].round(1)
    return out


def listing_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The listing's columns in reading order: the case, its drugs and reactions, then the rest."""
    first = [c for c in FIRST if c in frame.columns]
    return readable(frame[first + [c for c in frame.columns if c not in first]])


def listing_page(store, sel, sort: str, desc: bool, size: int, offset: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One page of the listing as the query gives it and as the page shows it (decoded once per page, not on every
    rerun)."""
    frame, _ = analysis.listing(store, sel, sort, desc, size, offset)
    return frame, listing_frame(frame)


def _go(page_no: int) -> None:
    st.session_state[state.VIEW_KEY]["page"] = page_no


def _close() -> None:
    st.session_state[state.VIEW_KEY]["case"] = ""
    st.session_state["_listing_round"] = st.session_state.get("_listing_round", 0) + 1


def _listing_key(v: dict, size: int) -> str:
    """The listing's widget key. Another selection, page, sort or a closed case needs a new key when a row is
    selected (a new key clears the row selection, so the old choice cannot open a case among other rows); with no row
    selected the key stays, and the browser updates the grid in place instead of building a new one."""
    wanted = f"listing-{state.signature(v)}-{v['page']}-{size}-{v['sort']}-{v['desc']}-" \
             f"{st.session_state.get('_listing_round', 0)}"
    held = st.session_state.get("_listing_key")
    if held and held != wanted and not v["case"]:
        try:
            rows = st.session_state[held]["selection"]["rows"]
        except (KeyError, TypeError):
            rows = []
        if not rows:
            return held
    st.session_state["_listing_key"] = wanted
    return wanted


def body(p: page.Page) -> None:
    s, sel, v = p.store, p.sel, p.view
    if p.missing:
        st.info(f"To list cases, {p.missing}.")
        return
    c1, c2, c3 = st.columns(3)
    sorts = list(analysis.LISTING_SORTS)
    v["sort"] = c1.selectbox("Sort by", sorts, **state.seed("sort", v["sort"] if v["sort"] in sorts else sorts[0],
                                                            sorts, "index"), format_func=lambda c: c.replace("_", " "))
    v["desc"] = c2.toggle("Newest / largest first", **state.seed("desc", v["desc"]))
    v["size"] = c3.selectbox("Rows per page", SIZES, **state.seed("size", v["size"] if v["size"] in SIZES else 50,
                                                                  SIZES, "index"))
    size = v["size"]
    total = cached.call(analysis.listing, s, sel, v["sort"], v["desc"], 1, 0)[1]
    if total == 0:
        st.info("No current case matches this selection. Widen the filters in the sidebar.")
        return
    pages = (total - 1) // size + 1
    v["page"] = min(max(int(v["page"]), 1), pages)  # a smaller selection never strands the listing past its end
    frame, shown = cached.call(listing_page, s, sel, v["sort"], v["desc"], size, (v["page"] - 1) * size)
    st.caption(f"{total:,} cases · page {v['page']} of {pages}")
    b1, b2, b3, _ = st.columns([1, 1, 1, 3])
    b1.button("◀ Previous", disabled=v["page"] <= 1, key="prev", on_click=_go, args=(v["page"] - 1,))
    b2.button("Next ▶", disabled=v["page"] >= pages, key="next", on_click=_go, args=(v["page"] + 1,))
    b3.button("First page", disabled=v["page"] == 1, key="first", on_click=_go, args=(1,))
    st.caption("Select a row (the box at its left) to open the case below.")
    key = _listing_key(v, size)
    event = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                         key=key)
    downloads.table(shown, f"case listing page {v['page']}", p.caption(), p.synthetic, "listing")
    rows = event.selection.rows if event and event.selection else []
    if rows:
        v["case"] = str(frame["caseid"].iloc[rows[0]])
    if v["case"]:
        case(p, v["case"])


def case(p: page.Page, caseid: str) -> None:
    try:
        parts = analysis.case(p.store, caseid)
    except ExplorerError as e:  # a case from an old link that is no longer current, or not a case number
        st.warning(str(e))
        return
    h1, h2 = st.columns([4, 1])
    h1.subheader(f"Case {caseid}")
    h2.button("Close the case", key="close-case", on_click=_close)
    cap = p.caption(f"case {caseid}")
    report = readable(parts["report"]).T.rename(columns={0: "value"})
    report["value"] = report["value"].map(lambda x: "" if x is None or (isinstance(x, float) and x != x) else str(x))
    st.dataframe(report, width="stretch")
    downloads.table(report.rename_axis("field").reset_index(), f"case {caseid} report", cap, p.synthetic,
                    "case-report")
    st.markdown("**Drugs** (role, route, dose, ingredients, therapy dates, indications)")
    drugs = readable(parts["drugs"])
    st.dataframe(drugs, hide_index=True, width="stretch")
    downloads.table(drugs, f"case {caseid} drugs", cap, p.synthetic, "case-drugs")
    st.markdown("**Reactions, outcomes, report sources**")
    reactions = parts["reactions"].copy()
    reactions["value"] = [codes.meaning(k, x) for k, x in zip(reactions["kind"], reactions["value"], strict=True)]
    st.dataframe(reactions, hide_index=True, width="stretch")
    downloads.table(reactions, f"case {caseid} reactions", cap, p.synthetic, "case-reactions")
    meddra_picker.case_reactions(p.store, caseid)  # reported term -> current MedDRA PT, primary SOC (when imported)
    st.markdown("**Versions FDA published** (rank 1 is current)")
    versions = readable(parts["versions"])
    st.dataframe(versions, hide_index=True, width="stretch")
    downloads.table(versions, f"case {caseid} versions", cap, p.synthetic, "case-versions")
    if len(parts["duplicates"]):
        st.markdown("**Probable duplicates**: current cases with the same full event date, age, sex, country, drugs "
                    "and reactions (likely one event reported by several sources; kept unless excluded in the "
                    "sidebar, which keeps the first received)")
        duplicates = readable(parts["duplicates"])
        st.dataframe(duplicates, hide_index=True, width="stretch")
        downloads.table(duplicates, f"case {caseid} probable duplicates", cap, p.synthetic, "case-duplicates")


page.run("cases", "Cases", body, need_exposure=False)

"""Start: what the explorer answers, and the flagship question in one click."""

import streamlit as st

from explorer import analysis
from explorer.app import page, state
from explorer.selection import Selection

# the flagship question, without filters (a click answers it as asked; the sidebar can narrow it afterwards)
FLAGSHIP = {**{k: state.PARAMS[k].default for k in state.SELECTION_KEYS}, "exposure_mode": "preset",
            "exposure": "esi", "event_group": "spinal_cord_ischaemia"}


def open_flagship(target: str) -> None:
    state.update(**FLAGSHIP)
    st.session_state["_go"] = target


def body(p: page.Page) -> None:
    target = st.session_state.pop("_go", None)
    if target:
        st.switch_page(f"views/{target}.py")
    st.markdown("**FAERS signal explorer.** Counts of **FAERS** reports, deduplicated to one current version per case. Spontaneous reports "  # noqa: E501
                "have no denominator: the counts are not rates, and disproportionality suggests hypotheses, not "
                "causes.")
    defs = p.store.definitions
    st.subheader("Epidural corticosteroid injection × spinal cord ischaemia")
    sel = Selection(exposure=defs.exposure("esi"), event=defs.event("spinal_cord_ischaemia"))
    c = analysis.count(p.store, sel)
    st.markdown(f"**{c['n_cases']:,}** current cases report an epidural corticosteroid injection and a spinal cord "
                f"ischaemia PT ({c['n_serious']:,} serious, {c['n_deaths']:,} deaths).")
    c1, c2, c3 = st.columns(3)
    c1.button("Open its signal (2x2, PRR, ROR, IC, EBGM)", key="go-signals", type="primary",
              on_click=open_flagship, args=("signals",))
    c2.button("List its cases", key="go-cases", on_click=open_flagship, args=("cases",))
    c3.button("Its time to onset", key="go-onset", on_click=open_flagship, args=("onset",))
    st.caption("Each button sets the sidebar to this exposure and event, without filters; narrow it there.")


page.run("start", "Start", body, selection=False)

"""MedDRA on the dashboard: the sidebar's SMQ / HLT / SOC picker, the case view's primary SOCs, the Overview section.

Each function shows nothing when the store holds no MedDRA (the dashboard then works exactly as without it). The
service layer (``explorer.meddra.service``) does the work; this module only draws and caches. The picker follows
the sidebar's rule: the view (``smq``, ``scope``, ``hlt``, ``soc`` in :data:`explorer.app.state.PARAMS`) holds the
choice, by MedDRA code (names may hold commas), and each widget is seeded from it.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from explorer.app import db, state
from explorer.meddra import lookup, service
from explorer.selection import Selection
from explorer.store.reader import Store


@st.cache_data(show_spinner=False, max_entries=16)
def _names(path: str, key: tuple, level: str) -> dict[str, str]:
    """{code: name} of the current version's SMQs, HLTs or SOCs ({} without MedDRA)."""
    with db.one_off_store() as s:
        if lookup.version_label(s.con) is None:
            return {}
        frame = lookup.names(s.con, level)
    return {str(code): name for code, name in zip(frame["code"], frame["name"], strict=True) if name}


def names(level: str) -> dict[str, str]:
    """{code: name} of one level of the current MedDRA version (cached until the database file changes)."""
    path = db.db_path()
    return _names(path=str(path), key=db.file_key(path), level=level)


def render(v: dict, s: Store) -> None:
    """Draw the picker under the event choices and write its values into the view (nothing without MedDRA)."""
    label = db.meddra_label(s)
    if label is None:
        return
    smqs, hlts, socs = names("smq"), names("hlt"), names("soc")
    chosen = bool(v["smq"] or v["hlt"] or v["soc"])
    with st.sidebar.expander(f"…or MedDRA terms ({label})", expanded=chosen):
        options = ["", *smqs]
        v["smq"] = st.selectbox("SMQ", options, **state.seed("smq", v["smq"] if v["smq"] in smqs else "", options,
                                                             "index"),
                                format_func=lambda c: smqs.get(c, "(none)"),
                                help="Standardised MedDRA Query; algorithmic SMQs are used by their narrow/broad "
                                     "term lists only") or ""
        scopes = ["narrow", "broad"]
        v["scope"] = st.radio("Scope", scopes, horizontal=True, **state.seed(
            "scope", v["scope"] if v["scope"] in scopes else "narrow", scopes, "index"),
                              help="broad: narrow and broad terms")
        v["hlt"] = tuple(st.multiselect("HLT", list(hlts), format_func=lambda c: hlts.get(c, str(c)),
                                        **state.seed("hlt", [c for c in v["hlt"] if c in hlts], hlts, "default")))
        v["soc"] = tuple(st.multiselect("SOC (every axis)", list(socs), format_func=lambda c: socs.get(c, str(c)),
                                        **state.seed("soc", [c for c in v["soc"] if c in socs], socs, "default")))


def apply(v: dict, s: Store, sel: Selection) -> Selection:
    """The selection with the picker's MedDRA terms joined to its event (unchanged without MedDRA or a choice).

    Raises:
        ExplorerError: a term cannot be resolved (the page's error boundary shows it).
    """
    if not (v["smq"] or v["hlt"] or v["soc"]) or db.meddra_label(s) is None:
        return sel
    smqs, hlts, socs = names("smq"), names("hlt"), names("soc")
    smq = smqs.get(v["smq"])
    group = service.event_from_options(s, smq, v["scope"] if smq else None, [hlts[c] for c in v["hlt"] if c in hlts],
                                       (), [socs[c] for c in v["soc"] if c in socs])
    return replace(sel, event=service.combine(sel.event, group))


def case_reactions(s: Store, caseid: int | str) -> None:
    """Under a case: each reported term, the current MedDRA PT it maps to and the PT's primary SOC."""
    frame = service.case_reactions(s, caseid)
    if frame is not None:
        st.markdown(f"**Reactions by {service.version_label(s)}** (reported term, PT, how it maps, primary SOC)")
        st.dataframe(frame, hide_index=True, width="stretch")


def overview_section(s: Store) -> None:
    """For the Overview page: the MedDRA version, how reported terms map, and the terms that map to no PT."""
    info = service.overview(s)
    st.subheader("MedDRA")
    if info is None:
        st.info("No MedDRA imported: reported terms are used as shipped. Import your licensed MedDRA ASCII files "
                "with `python -m explorer meddra import DIR`.")
        return
    st.caption(f"Reported terms are mapped to {info['version']} PTs: a current PT stays, an LLT maps to its PT, a "
               "term of an older imported version maps through its code; case and spacing are ignored.")
    st.dataframe(info["mapping"], hide_index=True, width="stretch")
    unmapped: pd.DataFrame = info["unmapped"]
    with st.expander(f"Reported terms that map to no PT ({len(unmapped):,} shown)"):
        st.dataframe(unmapped, hide_index=True, width="stretch")

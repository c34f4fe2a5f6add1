"""MedDRA on the dashboard: the sidebar's SMQ / HLT / SOC picker, the case view's primary SOCs, the Overview section.

Each function shows nothing when the store holds no MedDRA (the dashboard then works exactly as without it). The
service layer (``explorer.meddra.service``) does the work; this module only draws and caches.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import analysis
from explorer.definitions import EventGroup
from explorer.errors import ExplorerError
from explorer.meddra import lookup, service

_SEP = "|"  # MedDRA names may hold commas: lists in the URL are joined with |


@st.cache_data(show_spinner=False)
def _names(path: str, key: tuple, level: str) -> list[str]:
    store = analysis.Store.open(path)
    try:
        return [n for n in lookup.names(store.con, level)["name"] if n]
    finally:
        store.close()


def _listed(name: str) -> list[str]:
    value = st.query_params.get(name, "")
    return [v for v in value.split(_SEP) if v] if isinstance(value, str) else []


def event(s: analysis.Store, event: EventGroup | None, params: dict[str, str]) -> EventGroup | None:
    """The sidebar's MedDRA picker: an SMQ (narrow or broad), HLTs and SOCs, joined to the event chosen above it.

    Args:
        s: the session's store.
        event: the event group or PTs chosen so far (None for none).
        params: the URL parameters being written; the picker adds ``smq``, ``scope``, ``hlt``, ``soc``.

    Returns:
        The event with the PTs of the chosen MedDRA terms added (the same event when none is chosen, or when the
        store holds no MedDRA).
    """
    label = service.version_label(s)
    if label is None:
        return event
    key = st.session_state.get("_store_key", ())
    smqs, hlts_all, socs_all = (_names(str(s.path), key, level) for level in ("smq", "hlt", "soc"))
    chosen = bool(st.query_params.get("smq") or _listed("hlt") or _listed("soc"))
    with st.sidebar.expander(f"…or MedDRA terms ({label})", expanded=chosen):
        current = st.query_params.get("smq", "")
        smq = st.selectbox("SMQ", ["(none)", *smqs], index=smqs.index(current) + 1 if current in smqs else 0,
                           key="meddra_smq", help="Standardised MedDRA Query; algorithmic SMQs are used by their "
                                                  "narrow/broad term lists only")
        scope = st.radio("Scope", ["narrow", "broad"], horizontal=True, key="meddra_scope",
                         index=1 if st.query_params.get("scope") == "broad" else 0,
                         help="broad: the narrow and the broad terms")
        hlts = st.multiselect("HLT", hlts_all, default=[h for h in _listed("hlt") if h in hlts_all], key="meddra_hlt")
        socs = st.multiselect("SOC (every axis)", socs_all, default=[c for c in _listed("soc") if c in socs_all],
                              key="meddra_soc")
    smq = None if smq == "(none)" else smq
    params.update(smq=smq or "", scope=scope if smq and scope != "narrow" else "", hlt=_SEP.join(hlts),
                  soc=_SEP.join(socs))
    try:
        group = service.event_from_options(s, smq, scope if smq else None, hlts, (), socs)
    except ExplorerError as e:
        st.error(str(e))
        st.stop()
    return service.combine(event, group)


def case_reactions(s: analysis.Store, caseid: int | str) -> None:
    """Under a case: each reported term, the current MedDRA PT it maps to and the PT's primary SOC."""
    frame = service.case_reactions(s, caseid)
    if frame is not None:
        st.markdown(f"**Reactions by {service.version_label(s)}** (reported term, PT, primary SOC)")
        st.dataframe(frame, hide_index=True, width="stretch")


def overview_section(s: analysis.Store) -> None:
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

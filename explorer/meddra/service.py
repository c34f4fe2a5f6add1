"""MedDRA services on an open :class:`explorer.store.reader.Store`, for the CLI, the dashboard and reports.

No Streamlit here: ``explorer/app/meddra_picker.py`` calls these functions and caches what it needs.
"""

from __future__ import annotations

import pandas as pd

from explorer import query
from explorer.analysis import DEFAULT_THRESHOLDS, Store, ranked
from explorer.definitions import EventGroup, MeddraTerms
from explorer.errors import ExplorerError
from explorer.meddra import lookup
from explorer.selection import Selection, bind
from explorer.stats import Thresholds, disproportionality

SCREEN_BY = ("pt", "soc", "hlt")
_MEASURES = ("expected", "prr", "prr_lower", "prr_upper", "chi2_yates", "evans", "ror", "ror_lower", "ror_upper",
             "ic", "ic025", "ic975", "ebgm", "eb05", "eb95")


def version_label(store: Store) -> str | None:
    """The store's current MedDRA version ('MedDRA 27.1 English'), or None without imported MedDRA.

    Call it wherever an output depends on MedDRA (methods paragraph, evidence pack, export captions).
    """
    return lookup.version_label(store.con)


def event_from_options(store: Store, smq: str | None = None, scope: str | None = None,
                       hlts: list[str] | tuple[str, ...] = (), hlgts: list[str] | tuple[str, ...] = (),
                       socs: list[str] | tuple[str, ...] = ()) -> EventGroup | None:
    """The event group of the MedDRA options (``--event-smq``, ``--scope``, ``--event-hlt/-hlgt/-soc``).

    Returns:
        None when no MedDRA option is given; else the group resolved to the current version's PTs.

    Raises:
        ExplorerError: ``--scope`` without ``--event-smq``.
        MeddraMissingError: the store holds no MedDRA (one line saying how to import it).
        MeddraTermError: an unknown SMQ, HLT, HLGT or SOC.
    """
    if scope is not None and not smq:
        raise ExplorerError("--scope needs --event-smq")
    terms = MeddraTerms(smqs=((smq, scope or "narrow"),) if smq else (), hlts=tuple(hlts or ()),
                        hlgts=tuple(hlgts or ()), socs=tuple(socs or ()))
    if not terms:
        return None
    return lookup.event_group(store.con, terms, db_path=store.path)


def combine(first: EventGroup | None, second: EventGroup | None) -> EventGroup | None:
    """One event group of two (a case has the event when it reports a PT of either)."""
    if first is None or second is None:
        return first or second
    return EventGroup(f"{first.name}+{second.name}", f"{first.title} and {second.title}",
                      tuple(dict.fromkeys((*first.pts, *second.pts))))


def screen_groups(store: Store, selection: Selection, by: str, rank_by: str = "eb05",
                  thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """For the exposure: every primary SOC (``by='soc'``) or HLT (``by='hlt'``) reported with it, with the 2x2 cells
    and every measure, ranked.

    Each PT counts under its primary path only, so a case is counted once per group (distinct current cases).

    Raises:
        MeddraMissingError: the store holds no MedDRA.
        ExplorerError: ``by`` is not soc or hlt, or the selection has no exposure.
    """
    if by not in ("soc", "hlt"):
        raise ExplorerError(f"screening by {by!r}: choose pt, soc or hlt")
    lookup.require(store.con, store.path)
    if selection.exposure is None or selection.event is not None:
        raise ExplorerError(f"--screen --by {by} ranks the {by.upper()}s of an exposure: give an exposure and no event")
    bind(store.con, selection, store.definitions)
    frame = query.run(store.con, "meddra_screen_groups", by=by)
    frame = frame.rename(columns={"name": by, "code": f"{by}_code"})
    if frame.empty:
        return frame
    m = disproportionality(frame["a"], frame["b"], frame["c"], frame["d"], store.prior(), thresholds=thresholds)
    for key in _MEASURES:
        if key in m:
            frame[key] = m[key]
    return ranked(frame, rank_by)


def case_reactions(store: Store, caseid: int | str) -> pd.DataFrame | None:
    """One case's reported terms with their current PT and its primary SOC (None without imported MedDRA)."""
    if lookup.version_label(store.con) is None:
        return None
    return lookup.case_reactions(store.con, caseid)


def overview(store: Store, limit: int = 200) -> dict | None:
    """What the Overview page shows about MedDRA, or None without imported MedDRA.

    Returns:
        ``version`` (label), ``versions`` (imported versions), ``mapping`` (how reported terms map: matched_by,
        n_terms, n_rows, n_cases) and ``unmapped`` (terms of current cases mapping to no PT, most reported first).
    """
    label = lookup.version_label(store.con)
    if label is None:
        return None
    return {"version": label, "versions": lookup.versions(store.con), "mapping": lookup.mapping_summary(store.con),
            "unmapped": lookup.unmapped(store.con, limit)}

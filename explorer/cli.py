"""Command line: ``python -m explorer COMMAND``.

Thin commands over the library; the only place where errors become messages and exit codes.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

import pandas as pd

from explorer import __version__, codes, options
from explorer.constants import DB_ENV, DEFAULT_DB, RANKINGS, SYNTHETIC_BANNER
from explorer.errors import ExplorerError

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"


def _table(frame: pd.DataFrame) -> str:
    """Plain-text table for terminals (numbers right-aligned, thousands separated)."""
    if frame.empty:
        return "(no rows)"
    cols = list(frame.columns)
    cells = [[_fmt(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max(len(str(c)), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]) for c in cols
    ]

    def line(values):
        padded = (v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True))
        return "  ".join(padded).rstrip()

    return "\n".join([line([str(c) for c in cols]), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def _fmt(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    if isinstance(value, int) or (hasattr(value, "is_integer") and isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.3g}"
    return str(value)


def _print_store(db_path: Path) -> None:
    from explorer import query
    from explorer.store.reader import connect, data_notice

    con = connect(db_path)
    try:
        synthetic, notice = data_notice(con)
        if synthetic:
            print(SYNTHETIC_BANNER)
        quarters = query.run(con, "loaded_quarters")
        print(f"\nDatabase {db_path}: {len(quarters)} quarters ({notice})")
        if len(quarters) > 12:
            shown = pd.concat([quarters.head(6), quarters.tail(6)])
            print(_table(shown[["quarter", "reports", "drug_rows", "reac_rows", "rejected_lines", "synthetic"]]))
            print(f"... ({len(quarters) - 12} more quarters)")
        else:
            print(_table(quarters[["quarter", "reports", "drug_rows", "reac_rows", "rejected_lines", "synthetic"]]))
        print("\nDeduplication flow")
        print(_table(query.run(con, "dedup_flow")))
        rejects = query.run(con, "rejects_by_reason")
        if len(rejects):
            print(f"\nRejected lines ({int(rejects['lines'].sum()):,}; all kept in the rejects table)")
            print(_table(rejects.head(20)))
        _print_meddra(con)
        if synthetic:
            print("\n" + SYNTHETIC_BANNER)
    finally:
        con.close()


def cmd_load(args) -> int:
    from explorer.load import load

    summary = load(args.sources, args.db, progress=_progress(args), rebuild=args.rebuild)
    _print_load(summary)
    _print_store(Path(args.db))
    return 0


def _progress(args):
    """Progress on stderr: a bar on a terminal, plain lines otherwise, nothing with --quiet."""
    from explorer.progress import for_terminal

    return for_terminal(args.quiet)


def _print_load(summary) -> None:
    parts = []
    if summary.loaded:
        parts.append(f"loaded {len(summary.loaded)} quarter(s)")
    if summary.replaced:
        parts.append(f"replaced {', '.join(summary.replaced)} (source changed)")
    if summary.skipped:
        parts.append(f"skipped {len(summary.skipped)} already loaded from the same bytes")
    if summary.rebuilt and not summary.changed:
        parts.append("rebuilt the model from the loaded quarters")
    if getattr(summary, "path", ""):
        touched = f", {summary.touched_cases:,} cases recomputed" if summary.touched_cases is not None else ""
        parts.append(f"model: {summary.path}{touched} ({summary.path_reason})")
    if getattr(summary, "leftovers", None):
        parts.append(f"removed {len(summary.leftovers)} leftover(s) of loads that did not finish "
                     f"({', '.join(summary.leftovers)})")
    mbs = summary.bytes / 1e6 / summary.seconds if summary.seconds else 0
    print(f"{'; '.join(parts) or 'nothing to do'} in {summary.seconds:.1f} s ({summary.bytes / 1e6:,.0f} MB, "
          f"{mbs:,.0f} MB/s); {summary.rejected:,} line(s) rejected")


def cmd_rebuild(args) -> int:
    from explorer.load import load

    _print_load(load([], args.db, progress=_progress(args), rebuild=True))
    _print_store(Path(args.db))
    return 0


def cmd_info(args) -> int:
    _print_store(Path(args.db))
    return 0


def cmd_download(args) -> int:
    from explorer.ingest.download import download
    from explorer.quarters import expand

    try:
        quarters = [q for spec in args.quarters for q in expand(spec)]
    except ValueError as e:
        raise ExplorerError(str(e)) from None
    download(quarters, args.dest, base_url=args.base_url, progress=_progress(args))
    return 0


def cmd_synth(args) -> int:
    from explorer.quarters import expand
    from explorer.synth.generator import generate

    try:
        quarters = expand(args.quarters)
    except ValueError as e:
        raise ExplorerError(str(e)) from None
    truth = generate(args.out_dir, quarters, scale=args.scale, seed=args.seed, progress=_progress(args))
    print(f"{SYNTHETIC_BANNER}\nwrote {len(quarters)} quarter zip(s) and truth.json to {args.out_dir}: "
          f"{truth['reports_written']:,} reports, {truth['current_cases']:,} current cases")
    return 0


def _selection(args, store):
    """Build the selection from the shared options."""
    from datetime import date

    from explorer.definitions import ingredient_exposure
    from explorer.selection import Filters, Selection, event_of

    defs = store.definitions
    roles = tuple(r.strip().upper() for r in args.roles.split(",")) if args.roles else None
    exposure = None
    if args.exposure and args.ingredient:
        raise ExplorerError("give --exposure or --ingredient, not both")
    if args.exposure:
        exposure = defs.exposure(args.exposure)
    elif args.ingredient:
        exposure = ingredient_exposure(args.ingredient, args.route)
    if exposure is not None:
        exposure = exposure.with_options(strict_route=args.strict_route, any_role=args.any_role, roles=roles)
    from explorer.meddra.lookup import as_pts

    pts = as_pts(store.con, list(args.event or ()))  # an LLT names its PT once MedDRA is imported
    event = event_of(defs.event(args.event_group) if args.event_group else None, pts)
    event = _meddra_event(args, store, event)
    comparator = defs.exposure(args.comparator) if args.comparator else None

    def day(value):
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ExplorerError(f"not a date (YYYY-MM-DD): {value!r}") from None

    def listed(value):
        return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()

    filters = Filters(received_from=day(args.received_from), received_to=day(args.received_to),
                      event_from=day(args.event_from), event_to=day(args.event_to), sexes=listed(args.sex),
                      age_bands=listed(args.age_band), countries=listed(args.country),
                      occupations=listed(args.reporter), report_types=listed(args.report_type),
                      serious_only=args.serious, outcome_codes=listed(args.outcome),
                      exclude_outbreak=args.exclude_outbreak,
                      exclude_probable_duplicates=args.exclude_probable_duplicates)
    selection = Selection(exposure=exposure, event=event, comparator=comparator, filters=filters)
    from explorer.selection import validate

    validate(selection, defs)
    return selection


def _emit(args, store, payload, frame: pd.DataFrame | None = None) -> None:
    """Print a result as a table, JSON or CSV, always with the data notice."""
    import json

    synthetic, notice = store.notice()
    if args.format == "json":
        print(json.dumps({**payload, "data": {"notice": notice, "synthetic": synthetic, "db": str(store.path)}},
                         indent=1, default=str, ensure_ascii=False))
    elif args.format == "csv":
        if synthetic:
            print(f"# {SYNTHETIC_BANNER.strip('* ')}")
        (frame if frame is not None else pd.DataFrame([payload])).to_csv(sys.stdout, index=False)
    else:
        if synthetic:
            print(SYNTHETIC_BANNER)
        if frame is not None:
            print(_table(frame))
        else:
            for k, v in payload.items():
                if isinstance(v, list) and all(isinstance(x, float) or x is None for x in v):
                    v = "[" + ", ".join(_fmt(x) if x is not None else "n/a" for x in v) + "]"
                print(f"{k:>14}: {_fmt(v) if not isinstance(v, (dict, list)) else v}")
        print(f"\n({notice}; counts are of distinct current cases, not rates)")


def cmd_query(args) -> int:
    from explorer import analysis
    from explorer.store.reader import Store

    store = Store.open(args.db, _definitions(args))
    try:
        sel = _selection(args, store)
        what = args.what
        if what == "count":
            c = analysis.count(store, sel)
            payload = {"cases": c["n_cases"], "serious": c["n_serious"], "deaths": c["n_deaths"],
                       "probable_duplicates": c["n_probable_duplicates"], "first_year": c["first_year"],
                       "last_year": c["last_year"], "by_year": c["by_year"], "outcomes": c["outcomes"],
                       "query_id": sel.query_id()}
            _emit(args, store, payload)
        elif what == "case":
            if not args.caseid:
                raise ExplorerError("--what case needs --caseid")
            parts = analysis.case(store, args.caseid)
            parts.update(_meddra_case(store, args.caseid))
            if args.format == "json":
                _emit(args, store, {k: v.to_dict(orient="records") for k, v in parts.items()})
            else:
                for name, frame in parts.items():
                    print(f"\n[{name}]")
                    _emit(args, store, {}, frame)
        else:
            if what == "listing":
                frame, total = analysis.listing(store, sel, args.sort, not args.ascending, args.limit, args.offset)
                payload = {"total_cases": total, "offset": args.offset}
            elif what == "onset" and args.compare_onset:
                _emit_onset_comparison(args, store, analysis.onset_comparison(store, sel, args.compare_onset))
                return 0
            elif what == "onset":
                res = analysis.time_to_onset(store, sel)
                frame = res.pop("days")
                if args.format != "csv":
                    _emit(args, store, {**res, "days": frame["onset_days"].tolist()} if args.format == "json"
                          else res)
                    return 0
                payload = res
            else:
                func = {"by-year": analysis.by_year, "outcomes": analysis.outcomes, "pts": analysis.pts,
                        "demographics": analysis.demographics}[what]
                frame = func(store, sel)
                payload = {}
            _emit(args, store, {**payload, "rows": frame.to_dict(orient="records")} if args.format == "json"
                  else payload, frame)
        return 0
    finally:
        store.close()


def cmd_signals(args) -> int:
    from explorer import analysis
    from explorer.stats import Thresholds
    from explorer.store.reader import Store

    store = Store.open(args.db, _definitions(args))
    try:
        sel = _selection(args, store)
        th = Thresholds(min_cases=args.min_cases)
        if _meddra_screen(args, store, sel, th):  # --screen --by soc|hlt
            return 0
        stratify = analysis.parse_strata(args.stratify)
        exclude = (analysis.background_exclusion(store, args.exclude_from_background)
                   if args.exclude_from_background else None)
        if args.cumulative and not args.over:
            raise ExplorerError("--cumulative goes with --over quarter|year")
        if args.over:
            _signals_over_time(args, store, sel, th, stratify, exclude)
        elif args.screen:
            _signals_screen(args, store, sel, th, stratify, exclude)
        elif args.forest:
            frame = analysis.forest(store, sel, th, stratify, exclude)
            _emit(args, store, {"rows": frame.to_dict(orient="records")} if args.format == "json" else {}, frame)
        else:
            if sel.exposure is None or sel.event is None:
                raise ExplorerError("signals needs an exposure (--exposure or --ingredient) and an event "
                                    "(--event-group or --event), or --screen")
            s = analysis.signal(store, sel, th, stratify, exclude)
            keys = ["a", "b", "c", "d", "expected", "prr", "prr_ci", "chi2_yates", "evans", "ror", "ror_ci",
                    "ic", "ic025", "ic975", "ebgm", "eb05", "eb95", *analysis.STRATIFIED_COLUMNS, "strata",
                    "prior_source", "prior_source_stratified", "excluded_from_background"]
            payload = {k: s.get(k) for k in keys if k in s}
            payload["query_id"] = sel.query_id()
            payload["note"] = ("disproportionality is hypothesis-generating; counts are not incidence; intervals "
                               "are 95%")
            prior_note = store.prior_note()
            if prior_note:
                payload["ebgm_prior_note"] = prior_note
            change = analysis.unmasking(store, sel, exclude, th, stratify) if exclude is not None else None
            if change is not None and args.format == "json":
                payload["unmasking"] = change.to_dict(orient="records")
            _emit(args, store, payload)
            if change is not None and exclude is not None and args.format != "json":
                print(f"\nUnmasking: reference group without the cases of {exclude.label} (change: ratio "
                      "without/with for PRR, ROR, EBGM, EB05; difference for counts, expected and IC)")
                print(_table(change) if args.format == "table" else change.to_csv(index=False))
        return 0
    finally:
        store.close()


def _signals_over_time(args, store, sel, th, stratify, exclude) -> None:
    from explorer import analysis

    if sel.exposure is None or sel.event is None:
        raise ExplorerError("--over needs an exposure and an event")
    frame = analysis.over_time(store, sel, args.over, args.cumulative, th, stratify, exclude)
    events = [{"title": e.title, "start": e.start, "end": e.end} for e in analysis.timeline_events(store)]
    payload = {"period": args.over, "cumulative": args.cumulative, "strata": list(stratify),
               "n_undated_cases": frame.attrs.get("n_undated", 0), "timeline": events, "query_id": sel.query_id(),
               "note": "periods by FDA's initial receipt date; intervals are 95%; counts are not incidence"}
    _emit(args, store, {**payload, "rows": frame.to_dict(orient="records")} if args.format == "json" else {}, frame)
    if args.format == "table":
        kind = "cumulative up to each period" if args.cumulative else "cases received in each period"
        print(f"{kind}; {payload['n_undated_cases']:,} case(s) without a received date left out")
        for e in events:
            when = str(e["start"]) if e["start"] == e["end"] else f"{e['start']} to {e['end']}"
            print(f"  event: {when}  {e['title']}")


def _signals_screen(args, store, sel, th, stratify, exclude) -> None:
    from explorer import analysis

    rank = "eb05_stratified" if stratify and args.rank_by == "eb05" else args.rank_by
    if sel.exposure is not None and sel.event is None:
        frame = analysis.screen_events(store, sel, rank, th, stratify, exclude)
    elif sel.event is not None:
        if exclude is not None:
            raise ExplorerError("--exclude-from-background goes with screening an exposure's events, not an "
                                "event's ingredients")
        frame = analysis.screen_ingredients(store, sel, rank, th, stratify=stratify)
    else:
        raise ExplorerError("--screen needs an exposure (to rank events) or an event (to rank ingredients)")
    n_tested, source = frame.attrs.get("n_tested", len(frame)), frame.attrs.get("prior_source")
    frame = frame.head(args.limit)
    cols = [c for c in ("pt", "ingredient", "a", "b", "c", "d", "expected", "prr", "prr_lower", "prr_upper",
                        "ror", "ror_lower", "ror_upper", "ic", "ic025", "ic975", "ebgm", "eb05", "eb95",
                        *analysis.STRATIFIED_COLUMNS, "p_chi2", "q_chi2", "p_ic", "q_ic")
            if c in frame.columns and c not in ("ebgm_stratified_signal", "n_strata")]
    payload = {"n_tested": n_tested, "prior_source": source, "strata": list(stratify),
               "q_values": "Benjamini-Hochberg over the n_tested rows: q_chi2 from the Yates chi-square test of "
                           "each 2x2 (PRR = ROR = 1, two-sided), q_ic from the IC's normal approximation "
                           "(one-sided, IC > 0)"}
    _emit(args, store, {**payload, "rows": frame[cols].to_dict(orient="records")} if args.format == "json" else {},
          frame[cols])
    if args.format == "table":
        print(f"{n_tested:,} pairs tested; {payload['q_values']}; EBGM prior: {source}; intervals are 95%")


def _emit_onset_comparison(args, store, res: dict) -> None:
    """Print the onset comparison: both groups' sizes and medians, the tests, and (csv) both onset lists."""
    tests = {k: res[k] for k in ("label", "n", "median", "other_label", "other_n", "other_median", "ks_statistic",
                                 "ks_pvalue", "ad_statistic", "ad_pvalue", "ad_pvalue_bounded")}
    if args.format == "json":
        _emit(args, store, {**tests, "days": res["days"]["onset_days"].tolist(),
                            "other_days": res["other_days"]["onset_days"].tolist()})
    elif args.format == "csv":
        both = pd.concat([res["days"].assign(group=res["label"]), res["other_days"].assign(group=res["other_label"])])
        _emit(args, store, tests, both)
    else:
        _emit(args, store, tests)
        if tests["ad_pvalue_bounded"]:
            print("(the Anderson-Darling p-value is interpolated in scipy's table and capped to 0.001-0.25)")


def cmd_check(args) -> int:
    from explorer import claims, query_toml
    from explorer.definitions import ingredient_exposure, single_pt
    from explorer.report import evidence
    from explorer.store.reader import Store

    text, db = args.text, args.db
    exposures = events = filters = None
    if args.from_file:
        saved = query_toml.load(args.from_file)
        text, exposures, events, filters = saved.text, saved.exposures, saved.events, saved.filters
    if text is None:
        raise ExplorerError("give the claim text, or --from FILE")
    if args.pack:
        pack = Path(args.pack)
        if pack.exists() and not pack.is_dir():
            raise ExplorerError(f"--pack {pack}: exists and is not a folder")
        try:
            pack.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ExplorerError(f"--pack {pack}: cannot create the folder ({e.strerror})") from None
    store = Store.open(db, _definitions(args))
    try:
        defs = store.definitions
        if args.exposure:
            exposures = [defs.exposure(n) for n in args.exposure]
        if args.ingredient:
            exposures = (exposures or []) + [ingredient_exposure(i) for i in args.ingredient]
        if args.event_group or args.event:
            events = [defs.event(n) for n in (args.event_group or [])] + [single_pt(p) for p in (args.event or [])]
        lexicon = Path(args.lexicon) if args.lexicon else claims.LEXICON
        report = claims.check(store, text, exposures, events, filters, lexicon=lexicon)
        if args.pack:
            try:
                written = evidence.write_pack(report, args.pack, _progress(args))
            except OSError as e:
                raise ExplorerError(f"--pack {args.pack}: cannot write the evidence pack ({e.strerror})") from None
            print(f"evidence pack: {len(written)} files in {args.pack}", file=sys.stderr)
        if args.format == "json":
            print(evidence.to_json(report))
        elif args.format == "html":
            print(evidence.to_html(report, with_charts=False))
        else:
            print(evidence.to_markdown(report))
        return 0
    finally:
        store.close()


# ---- MedDRA (the user's own licensed distribution; explorer.meddra) -------------------------------------------

def _add_meddra_options(p) -> None:
    m = p.add_argument_group("MedDRA event (needs `python -m explorer meddra import DIR`)")
    m.add_argument("--event-smq", metavar="NAME", type=options.text, help="a Standardised MedDRA Query by name or "
                   "code (cases with any of its PTs; algorithmic SMQs by their term lists only)")
    m.add_argument("--scope", choices=("narrow", "broad"), help="with --event-smq: narrow terms (default) or narrow "
                   "and broad terms")
    m.add_argument("--event-hlt", action="append", metavar="NAME", type=options.text,
                   help="every PT under a MedDRA HLT (repeatable)")
    m.add_argument("--event-hlgt", action="append", metavar="NAME", type=options.text,
                   help="every PT under a MedDRA HLGT (repeatable)")
    m.add_argument("--event-soc", action="append", metavar="NAME", type=options.text,
                   help="every PT under a MedDRA SOC, in any axis (repeatable; name, code or abbreviation)")


def _meddra_event(args, store, event):
    """The selection's event with the PTs of the MedDRA options added (unchanged when none is given)."""
    if not (args.event_smq or args.scope or args.event_hlt or args.event_hlgt or args.event_soc):
        return event
    from explorer.meddra.service import combine, event_from_options

    group = event_from_options(store, args.event_smq, args.scope, args.event_hlt, args.event_hlgt, args.event_soc)
    print(f"event: {group.title} ({len(group.pts)} PTs)", file=sys.stderr)  # the terms and the MedDRA version
    return combine(event, group)


def _meddra_screen(args, store, sel, th) -> bool:
    """``signals --screen --by soc|hlt``: print the ranked SOCs or HLTs. False when --by is pt (screen by PT)."""
    if args.by == "pt":
        return False
    if not args.screen:
        raise ExplorerError(f"--by {args.by} needs --screen")
    if args.stratify or args.over or args.exclude_from_background:
        raise ExplorerError(f"--by {args.by} does not combine with --stratify, --over or --exclude-from-background")
    from explorer.meddra.service import screen_groups, version_label

    frame = screen_groups(store, sel, args.by, args.rank_by, th).head(args.limit)
    cols = [c for c in (args.by, "a", "b", "c", "d", "expected", "prr", "prr_lower", "prr_upper", "ror", "ror_lower",
                        "ror_upper", "ic", "ic025", "ic975", "ebgm", "eb05", "eb95") if c in frame.columns]
    payload = {"meddra_version": version_label(store), "by": args.by}
    _emit(args, store, {**payload, "rows": frame[cols].to_dict(orient="records")} if args.format == "json"
          else payload, frame[cols])
    return True


def _meddra_case(store, caseid) -> dict:
    """The case's reported terms with their current MedDRA PT and its primary SOC ({} without imported MedDRA)."""
    from explorer.meddra.service import case_reactions, version_label

    frame = case_reactions(store, caseid)
    return {} if frame is None else {f"reactions by {version_label(store)} (primary SOC)": frame}


def _print_meddra(con) -> None:
    """info: the MedDRA versions, how reported terms map, and the commonest unmapped terms."""
    from explorer.meddra import lookup

    label = lookup.version_label(con)
    if label is None:
        print("\nMedDRA: none imported (reported terms used as shipped); python -m explorer meddra import DIR")
        return
    print(f"\nMedDRA: reported terms mapped to {label} PTs")
    print(_table(lookup.versions(con)[["version", "language", "is_current", "n_llt", "n_pt", "n_smq",
                                       "imported_at"]]))
    print(_table(lookup.mapping_summary(con)))
    unmapped = lookup.unmapped(con, 20)
    if len(unmapped):
        print(f"\nReported terms mapping to no {label} PT (commonest {len(unmapped)}; all: python -m explorer "
              "meddra unmapped)")
        print(_table(unmapped))


def cmd_meddra_import(args) -> int:
    from explorer.meddra.importer import import_distribution

    s = import_distribution(args.dir, args.db, make_current=args.make_current, progress=_progress(args))
    counts = ", ".join(f"{v:,} {k.upper()}s" for k, v in s.counts.items())
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in s.seconds.items() if k != "total")
    print(f"MedDRA {s.version} ({s.language}) from {s.source}: {s.action} ({counts}) in {s.seconds['total']:.1f} s "
          f"({phases}); current version: {s.current}")
    if s.mapping:
        print(_table(pd.DataFrame(s.mapping)))
    return 0


def cmd_meddra_unmapped(args) -> int:
    from explorer.meddra import lookup

    return _meddra_listing(args, lambda con: lookup.unmapped(con, args.limit))


def cmd_meddra_list(args) -> int:
    from explorer.meddra import lookup

    def terms(con):
        frame = lookup.names(con, args.level)
        return frame if args.level == "smq" else frame.drop(columns="is_algorithmic")

    return _meddra_listing(args, terms)


def _meddra_listing(args, fetch) -> int:
    """Print a table of the store's imported MedDRA (``fetch(con)``), with the version it comes from."""
    from explorer.meddra import lookup
    from explorer.store.reader import Store

    store = Store.open(args.db)
    try:
        lookup.require(store.con, args.db)
        frame = fetch(store.con)
        _emit(args, store, {"meddra_version": lookup.version_label(store.con),
                            "rows": frame.to_dict(orient="records")} if args.format == "json" else {}, frame)
        return 0
    finally:
        store.close()


def _add_meddra_parser(sub) -> None:
    p = sub.add_parser("meddra", help="import your licensed MedDRA distribution; list its terms and unmapped terms",
                       description="MedDRA from your own licensed MSSO distribution (none ships with this tool): "
                       "import it into the database (reported terms are then mapped to its PTs), list the SMQs, "
                       "SOCs, HLGTs and HLTs the event options name, and the reported terms that map to no PT.")
    msub = p.add_subparsers(dest="meddra_command", required=True, metavar="ACTION")
    m = msub.add_parser("import", help="import a MedDRA ASCII distribution (atomically) and remap reactions",
                        description="Import a MedDRA ASCII distribution (DIR or DIR/MedAscii: llt.asc, pt.asc, ..., "
                        "meddra_release.asc) into the database, then map every reported term to the current "
                        "version's PTs. The newest imported version is current unless --make-current names another. "
                        "The database is replaced atomically at the end; a bad distribution leaves it untouched.")
    m.add_argument("dir", metavar="DIR", help="the distribution's folder, or its MedAscii folder")
    _db_option(m, write=True)
    m.add_argument("--make-current", action="store_true", help="make this version the current one even if a more "
                   "recent version is imported")
    _quiet_option(m)
    m.set_defaults(func=cmd_meddra_import)
    m = msub.add_parser("unmapped", help="reported terms that map to no PT of the current version",
                        description="Reported terms of current cases that map to no PT of the current MedDRA "
                        "version, with their case and row counts, most reported first.")
    _db_option(m)
    m.add_argument("--limit", type=options.positive_int, default=1000, help="rows to show (default: %(default)s)")
    _format_option(m)
    m.set_defaults(func=cmd_meddra_unmapped)
    m = msub.add_parser("list", help="the SMQs, SOCs, HLGTs or HLTs of the current version",
                        description="The SMQs (with whether each is algorithmic), SOCs, HLGTs or HLTs of the current "
                        "MedDRA version: the names --event-smq, --event-soc, --event-hlgt and --event-hlt take.")
    m.add_argument("level", choices=("smq", "soc", "hlgt", "hlt"), help="which terms")
    _db_option(m)
    _format_option(m)
    m.set_defaults(func=cmd_meddra_list)


def _definitions(args):
    from explorer.definitions import DEFINITIONS_DIR, load_definitions

    return load_definitions(Path(args.definitions) if args.definitions else DEFINITIONS_DIR)


def _db_option(p, write: bool = False) -> None:
    kind = {"type": options.database_to_write} if write else {}
    p.add_argument("--db", default=DEFAULT_DB, help="DuckDB file (default: %(default)s)", **kind)


def _quiet_option(p) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress bar or lines")


def _format_option(p) -> None:
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output (default: table)")


def _listed(kind: str) -> str:
    """'MD (Physician), PH (Pharmacist), ...' for an option's help."""
    return ", ".join(f"{c} ({codes.label(kind, c)})" for c in codes.CODES[kind])


def _add_selection_options(p) -> None:
    g = p.add_argument_group("selection")
    _db_option(g)
    g.add_argument("--definitions", help="folder of definition files (default: queries/definitions)")
    g.add_argument("--exposure", type=options.text, help="a named exposure of the definitions, e.g. esi")
    g.add_argument("--ingredient", type=options.text,
                   help="an ad-hoc exposure: one active ingredient (lower case), e.g. triamcinolone")
    g.add_argument("--route", type=options.text, help="with --ingredient: one canonical route, e.g. Epidural")
    g.add_argument("--roles", type=options.roles,
                   help=f"drug roles that count as exposure: {_listed('role_cod')} (default: the definition's)")
    g.add_argument("--strict-route", action="store_true", help="only the route field counts, not verbatim text")
    g.add_argument("--any-role", action="store_true", help="every drug role counts as exposure")
    g.add_argument("--comparator", type=options.text,
                   help="a named exposure as active comparator (default: all other cases)")
    g.add_argument("--event-group", type=options.text, help="a named event group, e.g. spinal_cord_ischaemia")
    g.add_argument("--event", action="append", type=options.text, help="a MedDRA PT (repeatable; case-insensitive)")
    _add_meddra_options(p)
    f = p.add_argument_group("filters")
    f.add_argument("--received-from", type=options.iso_date, help="first FDA receipt date, YYYY-MM-DD")
    f.add_argument("--received-to", type=options.iso_date, help="last FDA receipt date, YYYY-MM-DD")
    f.add_argument("--event-from", type=options.iso_date, help="first event date, YYYY-MM-DD")
    f.add_argument("--event-to", type=options.iso_date, help="last event date, YYYY-MM-DD")
    f.add_argument("--sex", type=options.sexes, help=f"{', '.join(codes.SEXES)} (comma-separated)")
    f.add_argument("--age-band", help="adjacent age bands, e.g. 45-64,65-74 (see filters.toml)")
    f.add_argument("--country", type=options.countries, help="reporter countries, e.g. US,GB")
    f.add_argument("--reporter", type=options.reporters, help=f"reporter types (occp_cod): {_listed('occp_cod')}")
    f.add_argument("--report-type", type=options.report_types, help=f"report types (rept_cod): {_listed('rept_cod')}")
    f.add_argument("--serious", action="store_true", help="serious cases only (any outcome)")
    f.add_argument("--outcome", type=options.outcomes,
                   help=f"cases with one of these outcomes (outc_cod): {_listed('outc_cod')}")
    f.add_argument("--exclude-outbreak", action="store_true",
                   help="exclude the 2012-2013 compounded methylprednisolone fungal meningitis outbreak")
    f.add_argument("--exclude-probable-duplicates", action="store_true",
                   help="leave out cases flagged as probable duplicates of an earlier case (same full event date, "
                        "age, sex, country, drugs and reactions); kept by default")
    _format_option(p)


def cmd_demo(args) -> int:
    from explorer.load import load, model_is_current

    db = Path(args.db)
    if not db.exists():
        zips = sorted(DEMO_DIR.glob("*.zip"))
        if not zips:
            raise ExplorerError(f"{DEMO_DIR}: no demo zips (python -m explorer synth data/demo ...)")
        print(f"loading the shipped demo data ({len(zips)} quarters) into {db} ...", file=sys.stderr)
        load(zips, db)
    elif not model_is_current(db):
        print(f"rebuilding {db}: it was built by another version of this tool ...", file=sys.stderr)
        load([], db, rebuild=True)
    _print_store(db)
    if args.no_app:
        return 0
    return _run_app(db, args.port)


def _run_app(db: Path, port: int) -> int:
    """Serve the dashboard until it ends or this process gets a signal; on any signal the server ends with it.

    Streamlit runs in its own process group, so a signal to this process (SIGTERM from a service manager, SIGHUP,
    Ctrl+C) is passed to the whole group and no server is left holding the port.
    """
    import os
    import signal
    import subprocess

    main_py = Path(__file__).resolve().parent / "app" / "main.py"
    if not Path(db).exists():
        raise ExplorerError(f"{db}: no database here; load data first (python -m explorer demo, or load ...)")
    env = {**os.environ, DB_ENV: str(Path(db).resolve())}
    print(f"dashboard on http://localhost:{port} (Ctrl+C to stop)", file=sys.stderr)
    cmd = [sys.executable, "-m", "streamlit", "run", str(main_py), "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    stopped = []

    def stop(signum, _frame) -> None:
        stopped.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        rc = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
    return 0 if stopped else rc


def cmd_app(args) -> int:
    return _run_app(Path(args.db), args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = options.Parser(
        prog="python -m explorer",
        description="FAERS adverse-event signal explorer: load FDA's quarterly files into DuckDB and query them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("load", help="load FAERS quarterly zips or folders into the database",
                       description="Load FAERS quarters (zips, extracted folders, or folders of zips). Quarters "
                       "already loaded from the same bytes are skipped; a re-published quarter replaces its "
                       "earlier load. The database is replaced atomically at the end.")
    p.add_argument("sources", nargs="+", metavar="SOURCE", type=options.text,
                   help="faers_ascii_YYYYqN.zip, aers_ascii_YYYYqN.zip, "
                   "an extracted quarter folder, or a folder holding several")
    _db_option(p, write=True)
    _quiet_option(p)
    p.add_argument("--rebuild", action="store_true",
                   help="rebuild the whole model from the raw tables, even when the new quarters could be added "
                   "incrementally (they are when every new quarter is newer than every loaded one)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("rebuild", help="rebuild the deduplicated model from the quarters already loaded",
                       description="Rebuild the deduplicated model (cases, drugs, reactions, probable duplicates, "
                       "signal scores) from the raw tables already in the database, as after an upgrade of this "
                       "tool. Nothing is read from the source files; the database is replaced atomically at the end.")
    _db_option(p, write=True)
    _quiet_option(p)
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser("info", help="what is loaded: quarters, deduplication flow, rejected lines",
                       description="Describe the database: quarters, deduplication flow and rejected lines.")
    _db_option(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("download", help="fetch FDA's quarterly zips (resumable, checked)",
                       description="Download quarterly FAERS ASCII zips from FDA by quarter name.")
    p.add_argument("quarters", nargs="+", metavar="QUARTERS", type=options.quarters,
                   help="e.g. 2024q1 or 2004q1-2012q3")
    p.add_argument("--dest", default="data/raw", type=options.output_folder,
                   help="target folder (default: %(default)s)")
    p.add_argument("--base-url", default=None, type=options.text,
                   help="mirror to fetch from (default: FDA's FAERS download site)")
    _quiet_option(p)
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("synth", help="write synthetic FAERS-format quarters with known answers",
                       description="Write synthetic quarterly zips in the exact layout of each era, and truth.json "
                       "with the answers a correct pipeline must reproduce. The data are synthetic, not FDA data.")
    p.add_argument("out_dir", metavar="OUT_DIR", type=options.output_folder)
    p.add_argument("--quarters", required=True, type=options.quarters, help="e.g. 2004q1-2025q4")
    p.add_argument("--scale", type=options.positive_float, default=1.0,
                   help="1 = real FAERS volumes (default: %(default)s)")
    p.add_argument("--seed", type=options.non_negative_int, default=1, help="random seed (default: %(default)s)")
    _quiet_option(p)
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("query", help="count, break down and list the cases of a selection",
                       description="Counts, breakdowns, the case listing, one case, or time to onset for a "
                       "selection (exposure, event, filters). Counts are distinct current cases.")
    p.add_argument("--what", default="count",
                   choices=("count", "by-year", "outcomes", "pts", "demographics", "listing", "case", "onset"),
                   help="what to show (default: count)")
    p.add_argument("--caseid", type=options.caseid, help="with --what case: the caseid")
    p.add_argument("--sort", default="received_date", help="with --what listing: received_date, event_date, "
                   "age_years or caseid (default: %(default)s)")
    p.add_argument("--ascending", action="store_true", help="with --what listing: oldest first")
    p.add_argument("--limit", type=options.positive_int, default=50,
                   help="with --what listing: rows per page (default: 50)")
    p.add_argument("--offset", type=options.non_negative_int, default=0,
                   help="with --what listing: rows to skip (default: 0)")
    p.add_argument("--compare-onset", choices=("other-events", "comparator"), help="with --what onset: compare the "
                   "onset distribution with the exposure's other events or with the comparator's (Kolmogorov-Smirnov "
                   "and Anderson-Darling tests)")
    _add_selection_options(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("signals", help="disproportionality (PRR, ROR, IC, EBGM) for a selection, or screening",
                       description="The 2x2 cells and PRR, ROR, IC and EBGM with intervals for an exposure and an "
                       "event; --forest for each PT of the event group; --screen to rank every event of an "
                       "exposure or every ingredient of an event. Hypothesis-generating, not proof of causation.")
    p.add_argument("--screen", action="store_true", help="rank every PT and group (for an exposure) or every "
                   "ingredient (for an event)")
    p.add_argument("--forest", action="store_true", help="one row per PT of the event group")
    p.add_argument("--rank-by", default="eb05", choices=RANKINGS,
                   help="with --screen: ranking (default: eb05; the q-value smallest first, the stratified measures "
                   "with --stratify)")
    p.add_argument("--limit", type=options.positive_int, default=30, help="with --screen: rows to show (default: 30)")
    p.add_argument("--min-cases", type=options.positive_int, default=3,
                   help="fewest cases for a PRR/ROR signal (default: 3)")
    # issue 15: stratification, over time, unmasking
    p.add_argument("--stratify", metavar="KEYS", help="adjust for age_band, sex and/or year received (any subset, "
                   "e.g. age_band,sex,year; a missing value is its own stratum): adds the Mantel-Haenszel ROR (95%% "
                   "CI), the stratified expected count and IC and EBGM from it; with --screen, eb05 ranks by the "
                   "stratified EB05")
    p.add_argument("--over", choices=("quarter", "year"), help="one row per period received: a, b, c, d, PRR, "
                   "ROR (95%% CI), IC (IC025/IC975), with the dated events of timeline.toml")
    p.add_argument("--cumulative", action="store_true", help="with --over: every case received up to each period")
    p.add_argument("--exclude-from-background", metavar="INGREDIENT|GROUP", help="unmasking: leave the cases of "
                   "this ingredient (or named exposure) or event group (or PT) out of the reference group, and show "
                   "the change in each measure")
    p.add_argument("--by", choices=("pt", "soc", "hlt"), default="pt", help="with --screen and an exposure: rank "
                   "PTs (default), or MedDRA primary SOCs or HLTs (needs `meddra import`)")
    _add_selection_options(p)
    p.set_defaults(func=cmd_signals)

    p = sub.add_parser("check", help="check the claims of an article's text against the loaded data",
                       description="Read the text sentence by sentence and clause by clause, find each claim it makes "
                       "about an exposure and an event, and give each claim one verdict: existence and hedged "
                       "possibility (supported / not_found), negation (contradicted / consistent), frequency, "
                       "causation, association and recovery (not_assessable: no denominator, no proof of causation), "
                       "time course (consistent / not_consistent with the time to onset).")
    p.add_argument("text", nargs="?", help="the claim text, in quotes")
    _db_option(p)
    p.add_argument("--definitions", help="folder of definition files (default: queries/definitions)")
    p.add_argument("--format", choices=("markdown", "json", "html"), default="markdown",
                   help="output (default: markdown)")
    p.add_argument("--exposure", action="append", help="override: every claim is about this named exposure "
                   "(repeatable), e.g. esi")
    p.add_argument("--ingredient", action="append", help="override: an ingredient, suspect roles, any route "
                   "(repeatable)")
    p.add_argument("--event-group", action="append", help="override: every claim is about this event group "
                   "(repeatable)")
    p.add_argument("--event", action="append", type=options.text, help="override: a MedDRA PT (repeatable)")
    p.add_argument("--pack", type=options.output_folder,
                   help="write the evidence pack (HTML, PDF, charts, tables, methods, citation, query "
                   "definition) into this folder")
    p.add_argument("--from", dest="from_file", help="re-run a saved query definition (query.toml of a pack)")
    p.add_argument("--lexicon", help="the claim lexicon file (default: queries/claims/lexicon.toml)")
    _quiet_option(p)
    p.set_defaults(func=cmd_check)

    _add_meddra_parser(sub)

    p = sub.add_parser("demo", help="load the shipped synthetic demo data (if no database yet) and open the dashboard",
                       description="Load the shipped synthetic demo data into the database if it does not exist "
                       "yet, describe it, then start the dashboard on it.")
    _db_option(p, write=True)
    p.add_argument("--port", type=options.port, default=8501, help="dashboard port (default: %(default)s)")
    p.add_argument("--no-app", action="store_true", help="only load and describe; do not start the dashboard")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("app", help="start the dashboard (Streamlit) on a database",
                       description="Start the dashboard on a database, read-only. Several browser sessions can "
                       "use it at once; a load that swaps the database file is picked up on the next interaction.")
    _db_option(p)
    p.add_argument("--port", type=options.port, default=8501, help="port (default: %(default)s)")
    p.set_defaults(func=cmd_app)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point. Returns the exit code: 0 success, 1 a user-facing error, 130 interrupted."""
    import os

    import duckdb

    try:
        args = build_parser().parse_args(argv)
        options.check_against_store(args)
        return args.func(args)
    except ExplorerError as e:
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return 1
    except OSError as e:  # a file or folder the command could not read or write
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"error: {where}{_one_line(e.strerror or e)}", file=sys.stderr)
        return 1
    except duckdb.Error as e:
        print(f"error: database: {_one_line(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the database is unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except Exception as e:  # noqa: BLE001 - never a traceback for users; EXPLORER_TRACEBACK=1 shows it
        if os.environ.get("EXPLORER_TRACEBACK"):
            raise
        print(f"error: unexpected {type(e).__name__}: {_one_line(e)} (EXPLORER_TRACEBACK=1 shows where)",
              file=sys.stderr)
        return 1


def _one_line(message) -> str:
    """Error messages are one line: DuckDB's carry the SQL and a caret on lines of their own."""
    return " ".join(str(message).split())

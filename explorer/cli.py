"""Command line: ``python -m explorer COMMAND``.

Thin commands over the library; the only place where errors become messages and exit codes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from explorer import __version__
from explorer.errors import ExplorerError

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEFAULT_DB = Path("data/faers.duckdb")
SYNTHETIC_BANNER = "*** synthetic demo data — not FDA data ***"


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

    con = query.connect(db_path)
    try:
        synthetic, notice = query.data_notice(con)
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
        if synthetic:
            print("\n" + SYNTHETIC_BANNER)
    finally:
        con.close()


def cmd_load(args) -> int:
    from explorer.store.loader import load

    progress = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    summary = load(args.sources, args.db, progress=progress)
    parts = []
    if summary.loaded:
        parts.append(f"loaded {len(summary.loaded)} quarter(s)")
    if summary.replaced:
        parts.append(f"replaced {', '.join(summary.replaced)} (source changed)")
    if summary.skipped:
        parts.append(f"skipped {len(summary.skipped)} already loaded from the same bytes")
    mbs = summary.bytes / 1e6 / summary.seconds if summary.seconds else 0
    print(f"{'; '.join(parts)} in {summary.seconds:.1f} s ({summary.bytes / 1e6:,.0f} MB, {mbs:,.0f} MB/s); "
          f"{summary.rejected:,} line(s) rejected")
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
    download(quarters, args.dest, base_url=args.base_url, progress=lambda m: print(m, file=sys.stderr, flush=True))
    return 0


def cmd_synth(args) -> int:
    from explorer.quarters import expand
    from explorer.synth.generator import generate

    try:
        quarters = expand(args.quarters)
    except ValueError as e:
        raise ExplorerError(str(e)) from None
    truth = generate(args.out_dir, quarters, scale=args.scale, seed=args.seed,
                     progress=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"{SYNTHETIC_BANNER}\nwrote {len(quarters)} quarter zip(s) and truth.json to {args.out_dir}: "
          f"{truth['reports_written']:,} reports, {truth['current_cases']:,} current cases")
    return 0


def cmd_demo(args) -> int:
    db = Path(args.db)
    if not db.exists():
        from explorer.store.loader import load

        zips = sorted(DEMO_DIR.glob("*.zip"))
        if not zips:
            raise ExplorerError(f"{DEMO_DIR}: no demo zips (python -m explorer synth data/demo ...)")
        print(f"loading the shipped demo data ({len(zips)} quarters) into {db} ...", file=sys.stderr)
        load(zips, db)
    _print_store(db)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m explorer",
        description="FAERS adverse-event signal explorer: load FDA's quarterly files into DuckDB and query them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("load", help="load FAERS quarterly zips or folders into the database",
                       description="Load FAERS quarters (zips, extracted folders, or folders of zips). Quarters "
                       "already loaded from the same bytes are skipped; a re-published quarter replaces its "
                       "earlier load. The database is replaced atomically at the end.")
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="faers_ascii_YYYYqN.zip, aers_ascii_YYYYqN.zip, "
                   "an extracted quarter folder, or a folder holding several")
    p.add_argument("--db", default=DEFAULT_DB, help="DuckDB file (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("info", help="what is loaded: quarters, deduplication flow, rejected lines",
                       description="Describe the database: quarters, deduplication flow and rejected lines.")
    p.add_argument("--db", default=DEFAULT_DB, help="DuckDB file (default: %(default)s)")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("download", help="fetch FDA's quarterly zips (resumable, checked)",
                       description="Download quarterly FAERS ASCII zips from FDA by quarter name.")
    p.add_argument("quarters", nargs="+", metavar="QUARTERS", help="e.g. 2024q1 or 2004q1-2012q3")
    p.add_argument("--dest", default="data/raw", help="target folder (default: %(default)s)")
    p.add_argument("--base-url", default=None, help="mirror to fetch from (default: FDA's FAERS download site)")
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("synth", help="write synthetic FAERS-format quarters with known answers",
                       description="Write synthetic quarterly zips in the exact layout of each era, and truth.json "
                       "with the answers a correct pipeline must reproduce. The data are synthetic, not FDA data.")
    p.add_argument("out_dir", metavar="OUT_DIR")
    p.add_argument("--quarters", required=True, help="e.g. 2004q1-2025q4")
    p.add_argument("--scale", type=float, default=1.0, help="1 = real FAERS volumes (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("demo", help="load the shipped synthetic demo data (if no database yet) and describe it",
                       description="Load the shipped synthetic demo data into the database if it does not exist "
                       "yet, then describe it.")
    p.add_argument("--db", default=DEFAULT_DB, help="DuckDB file (default: %(default)s)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point. Returns the exit code: 0 success, 1 a user-facing error, 130 interrupted."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ExplorerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the database is unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0

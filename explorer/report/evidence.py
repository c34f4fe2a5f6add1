"""Render a claim check as Markdown, JSON or HTML, and write its evidence pack.

The pack (one folder) holds: ``evidence.html`` (self-contained: styles inline, charts as inline SVG, no external
resource), ``evidence.pdf`` (the same page printed by headless Chromium), ``charts/`` (PNG 300 dpi, SVG, PDF),
``tables/`` (CSV), ``methods.md`` (the READUS-PV items), ``citation.txt``, and ``query.toml``, which
``python -m explorer check --from query.toml`` re-runs to reproduce the numbers.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from explorer import __version__
from explorer.report import charts, export

VERDICT_WORDS = {"supported": "Supported", "not_found": "Not found", "not_assessable": "Not assessable",
                 "consistent": "Consistent", "not_consistent": "Not consistent"}


def _fmt(x, d=2):
    return "n/a" if x is None or (isinstance(x, float) and x != x) else f"{x:,.{d}f}"


def findings_table(report: dict) -> pd.DataFrame:
    rows = []
    for f in report["findings"]:
        s = f["signal"]
        rows.append({"exposure": f["exposure_title"], "event": f["event_title"], "claim_type": f["claim_type"],
                     "verdict": f["verdict"], "cases": f["cases"], "serious": f["serious"], "deaths": f["deaths"],
                     "probable_duplicates": f.get("probable_duplicates"),
                     "years": f"{f['first_year']}–{f['last_year']}" if f["cases"] else "",
                     "a": s["a"], "b": s["b"], "c": s["c"], "d": s["d"], "ror": s["ror"],
                     "ror_lower": s["ror_ci"][0], "ror_upper": s["ror_ci"][1], "ic025": s["ic025"],
                     "eb05": s["eb05"], "onset_n": f["onset"]["n"], "onset_median_days": f["onset"]["median"],
                     "reading": f["reading"], "query_id": f["query_id"]})
    return pd.DataFrame(rows)


def methods(report: dict) -> str:
    """A methods paragraph covering the READUS-PV items such a statement needs."""
    d = report["data"]
    used = report["used"]
    flow = {s["step"]: s["n"] for s in d["dedup_flow"]}
    exposures = "; ".join(_describe_exposure(e) for e in used["exposures"])
    events = "; ".join(f"{e['title']} (MedDRA PTs: {', '.join(e['pts'])})" for e in used["events"])
    synthetic = ("These are SYNTHETIC DEMO DATA generated in FAERS format, not FDA data; no number here describes "
                 "real patients. " if d["synthetic"] else "")
    return (
        f"{synthetic}Data source: {d['database']}. Quarters {d['quarters']} were loaded on {d['loaded_at']} "
        f"({len(d['files'])} files; their sha256 checksums are listed in the evidence pack). Deduplication followed "
        f"FDA's recommendation: of {flow.get('demo_rows', 0):,} report versions read "
        f"({flow.get('reports', 0):,} distinct), each of the {flow.get('cases', 0):,} cases was represented by its "
        "latest version (highest case version, then latest FDA receipt date, then highest primary id), legacy AERS "
        f"and FAERS versions of one case number were linked, and {flow.get('deleted_cases', 0):,} cases that FDA "
        f"deleted were removed, leaving {flow.get('current_cases', 0):,} current cases; exact duplicate rows were "
        f"collapsed. {_duplicates_sentence(flow, used['filters'])} Exposure: {exposures}. Events: {events}. "
        "Cases were counted once each (distinct current cases). "
        "Disproportionality compared exposed cases with all other current cases: PRR with 95% CI and Yates "
        "chi-square (Evans criteria PRR >= 2, chi-square >= 4, a >= 3), ROR with Woolf's 95% CI (lower bound > 1), "
        "IC with its 95% credibility interval (IC025 > 0), and EBGM with EB05/EB95 from DuMouchel's gamma-mixture "
        "prior fitted by maximum likelihood over all ingredient-PT pairs (EB05 >= 2). Time to onset was computed "
        "from the exposure drug's start date to the event date where both were full dates. Disproportionality is "
        "hypothesis-generating; counts of spontaneous reports are not incidence and do not establish causation; "
        "reporting is voluntary and subject to under-reporting, stimulated reporting (for example after the 2014 FDA "
        "Drug Safety Communication) and duplicate reports that deduplication cannot fully remove. "
        f"Analysis: {d['tool']}, {d['checked_at']}."
    )


def _duplicates_sentence(flow: dict, filters: dict) -> str:
    if "probable_duplicates" not in flow:
        return "Probable duplicates (one event reported by several sources) were not flagged."
    n = flow["probable_duplicates"]
    return (f"{n:,} current cases were flagged as probable duplicates of an earlier current case (same full event "
            "date, age, sex, country, set of drugs and set of reactions) and were "
            + ("excluded from" if filters.get("exclude_probable_duplicates") else "kept in") + " the counts.")


def _describe_exposure(e: dict) -> str:
    parts = [e["title"], f"ingredients {', '.join(e['ingredients']) or 'any'}"]
    if e["routes"] or e["text_terms"]:
        parts.append("route " + " or ".join(e["routes"]) + (f" or text mentioning {', '.join(e['text_terms'])}"
                                                             if e["text_terms"] else ""))
    parts.append(f"roles {'/'.join(e['roles']) or 'any'}")
    return ", ".join(parts)


def citation(report: dict) -> str:
    d = report["data"]
    ids = sorted({f["query_id"] for f in report["findings"]})
    faers = ("U.S. Food and Drug Administration. FDA Adverse Event Reporting System (FAERS) Quarterly Data "
             f"Extract Files, quarters {d['quarters']}. Accessed {d['loaded_at'][:10]}.")
    if d["synthetic"]:
        faers = f"SYNTHETIC DEMO DATA in FAERS format (not FDA data), quarters {d['quarters']}."
    return f"{faers}\nfaers-explorer {__version__}, claim check, query ids {', '.join(ids)}."


def to_markdown(report: dict) -> str:
    d = report["data"]
    lines = []
    if d["synthetic"]:
        lines += ["> **Synthetic demo data — not FDA data.**", ""]
    lines += ["# Claim check", "", f"> {report['text']}", "", "## What was recognised", ""]
    for m in report["matched"]["exposures"]:
        lines.append(f"- exposure: \"{m['phrase']}\" → {m['title']}")
    for m in report["matched"]["events"]:
        lines.append(f"- event: \"{m['phrase']}\" → {m['title']}")
    claim = ", ".join(f"{k} ({', '.join(v)})" for k, v in report["matched"]["claim_words"].items()) or \
        "none; checked as a claim that such events have been reported"
    lines += [f"- claim types: {claim}", "", "## Verdicts", "",
              "| exposure | event | claim | verdict | cases | serious | fatal | ROR (95% CI) | EB05 |",
              "|---|---|---|---|---|---|---|---|---|"]
    for f in report["findings"]:
        s = f["signal"]
        lines.append(f"| {f['exposure_title']} | {f['event_title']} | {f['claim_type']} | "
                     f"**{VERDICT_WORDS[f['verdict']]}** | {f['cases']} | {f['serious']} | {f['deaths']} | "
                     f"{_fmt(s['ror'])} ({_fmt(s['ror_ci'][0])}–{_fmt(s['ror_ci'][1])}) | {_fmt(s['eb05'])} |")
    lines += ["", "## Readings to quote", ""]
    seen = set()
    for f in report["findings"]:
        if f["reading"] not in seen:
            seen.add(f["reading"])
            lines.append(f"- {f['reading']}")
    lines += ["", "## Methods", "", methods(report), "", "## Citation", "", citation(report), ""]
    return "\n".join(lines)


def to_json(report: dict) -> str:
    return json.dumps(report, indent=1, default=str, ensure_ascii=False)


def _charts(report: dict) -> list[tuple[str, object]]:
    """One chart per exposure-event pair with cases: cases by year received."""
    d = report["data"]
    figs, seen = [], set()
    for f in report["findings"]:
        key = (f["exposure"], f["event"])
        if key in seen or not f["cases"]:
            continue
        seen.add(key)
        years = pd.DataFrame({"year": list(f["by_year"]), "n_cases": list(f["by_year"].values())})
        years["n_serious"], years["n_non_serious"] = years["n_cases"], 0
        cap = charts.caption(d["notice"], d["quarters"], f"{f['exposure_title']}; event {f['event_title']}",
                             synthetic=d["synthetic"])
        fig = charts.bars(years.astype({"year": int}), "year", "n_cases", cap, d["synthetic"],
                          f"{f['event_title']} after {f['exposure_title']}: cases by year received",
                          x_title="Year FDA received the case")
        figs.append((f"{f['exposure']}__{f['event']}", fig))
    return figs


def to_html(report: dict, with_charts: bool = True) -> str:
    """A self-contained page: inline styles, charts as inline SVG, no external resource."""
    md = report
    esc = html.escape
    d = md["data"]
    rows = "".join(
        f"<tr><td>{esc(f['exposure_title'])}</td><td>{esc(f['event_title'])}</td><td>{f['claim_type']}</td>"
        f"<td class='{f['verdict']}'>{VERDICT_WORDS[f['verdict']]}</td><td>{f['cases']}</td><td>{f['serious']}</td>"
        f"<td>{f['deaths']}</td><td>{_fmt(f['signal']['ror'])} ({_fmt(f['signal']['ror_ci'][0])}–"
        f"{_fmt(f['signal']['ror_ci'][1])})</td><td>{_fmt(f['signal']['eb05'])}</td></tr>"
        for f in md["findings"])
    readings = "".join(f"<li>{esc(r)}</li>" for r in dict.fromkeys(f["reading"] for f in md["findings"]))
    svgs = ""
    if with_charts:
        for _, fig in _charts(report):
            svg = export.figure_bytes(fig, "svg").decode("utf-8")
            svgs += f"<figure>{svg}</figure>"
    files = "".join(f"<tr><td>{f['quarter']}</td><td>{esc(f['file'])}</td><td><code>{f['sha256']}</code></td></tr>"
                    for f in d["files"])
    banner = ("<p class='synthetic'>SYNTHETIC DEMO DATA — NOT FDA DATA. Every number on this page is made up.</p>"
              if d["synthetic"] else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Claim check — faers-explorer</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222;
        line-height: 1.45; }}
blockquote {{ border-left: 4px solid #1f4e79; margin: 1rem 0; padding: .5rem 1rem; background: #f3f6fa; }}
table {{ border-collapse: collapse; width: 100%; font-size: .9rem; }}
td, th {{ border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
.supported, .consistent {{ color: #1d6b2f; font-weight: bold; }}
.not_found, .not_consistent {{ color: #a00; font-weight: bold; }}
.not_assessable {{ color: #7a5b00; font-weight: bold; }}
.synthetic {{ background: #fff3cd; border: 2px solid #c9a400; padding: .6rem; font-weight: bold; }}
figure svg {{ max-width: 100%; height: auto; }} code {{ font-size: .75rem; }}
</style></head><body>
{banner}<h1>Claim check</h1>
<blockquote>{esc(md['text'])}</blockquote>
<h2>Verdicts</h2>
<table><tr><th>Exposure</th><th>Event</th><th>Claim</th><th>Verdict</th><th>Cases</th><th>Serious</th><th>Fatal</th>
<th>ROR (95% CI)</th><th>EB05</th></tr>{rows}</table>
<h2>Readings to quote</h2><ul>{readings}</ul>
{svgs}
<h2>Methods</h2><p>{esc(methods(report))}</p>
<h2>Citation</h2><pre>{esc(citation(report))}</pre>
<h2>Files loaded</h2><table><tr><th>Quarter</th><th>File</th><th>sha256</th></tr>{files}</table>
</body></html>
"""


def query_definition(report: dict, db_path: str) -> str:
    """A TOML file that `python -m explorer check --from FILE` re-runs."""
    used = report["used"]
    lines = ["# faers-explorer claim check: re-run with  python -m explorer check --from THIS_FILE",
             f"text = {json.dumps(report['text'], ensure_ascii=False)}",
             f"db = {json.dumps(db_path)}", ""]
    for e in used["exposures"]:
        lines += ["[[exposure]]"] + [f"{k} = {json.dumps(v)}" for k, v in e.items()] + [""]
    for v in used["events"]:
        lines += ["[[event]]"] + [f"{k} = {json.dumps(v2)}" for k, v2 in v.items()] + [""]
    f = {k: v for k, v in used["filters"].items() if v not in (None, [], (), False, "")}
    if f:
        lines += ["[filters]"] + [f"{k} = {json.dumps(v, default=str)}" for k, v in f.items()] + [""]
    return "\n".join(lines)


def write_pack(report: dict, folder: str | Path, db_path: str) -> list[Path]:
    """Write the evidence pack; return the files written."""
    out = Path(folder)
    (out / "charts").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    d = report["data"]
    written = []
    page = to_html(report)
    (out / "evidence.html").write_text(page, encoding="utf-8")
    written.append(out / "evidence.html")
    for name, fig in _charts(report):
        for fmt in ("png", "svg", "pdf"):
            path = out / "charts" / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')[:80]}.{fmt}"
            path.write_bytes(export.figure_bytes(fig, fmt))
            written.append(path)
    cap = charts.caption(d["notice"], d["quarters"], "claim check findings", synthetic=d["synthetic"])
    table = findings_table(report)
    (out / "tables" / "findings.csv").write_bytes(export.csv_bytes(table, cap, d["synthetic"]))
    files = pd.DataFrame(d["files"])
    (out / "tables" / "files.csv").write_bytes(export.csv_bytes(files, cap, d["synthetic"]))
    flow = pd.DataFrame(d["dedup_flow"])
    (out / "tables" / "dedup_flow.csv").write_bytes(export.csv_bytes(flow, cap, d["synthetic"]))
    written += [out / "tables" / n for n in ("findings.csv", "files.csv", "dedup_flow.csv")]
    (out / "methods.md").write_text(("**Synthetic demo data — not FDA data.**\n\n" if d["synthetic"] else "")
                                    + methods(report) + "\n", encoding="utf-8")
    (out / "citation.txt").write_text(citation(report) + "\n", encoding="utf-8")
    (out / "query.toml").write_text(query_definition(report, db_path) + "\n", encoding="utf-8")
    (out / "report.json").write_text(to_json(report) + "\n", encoding="utf-8")
    written += [out / n for n in ("methods.md", "citation.txt", "query.toml", "report.json")]
    pdf = out / "evidence.pdf"
    print_pdf(out / "evidence.html", pdf)
    written.append(pdf)
    return written


def print_pdf(html_path: Path, pdf_path: Path) -> None:
    """Print an HTML file to PDF with headless Chromium."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update", "--no-first-run",
                        "--disable-sync", f"--user-data-dir={profile}", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)

"""Render a claim check as Markdown, JSON or HTML, organised by sentence, and write its evidence pack.

The pack (one folder) is what an editor attaches to a review: ``evidence.html`` (self-contained: inline styles,
charts as inline SVG) and ``evidence.pdf`` (the same page printed by headless Chromium, the synthetic label on every
page), ``charts/`` (PNG 300 dpi, SVG, PDF; cases by year for each pair with reports, and the onset histogram behind
every time-course verdict, each with its caption on the canvas), ``tables/findings.csv``, ``appendix/`` (the loaded
files with their sha256 checksums, the deduplication flow), ``methods.md`` (the READUS-PV items it covers),
``citation.txt``, ``report.json`` and ``query.toml``, which ``python -m explorer check --from query.toml`` re-runs on
any machine holding the same data.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from explorer import __version__, query_toml
from explorer.progress import Reporter, reporter
from explorer.report import charts, export

VERDICT_WORDS = {"supported": "Supported", "not_found": "Not found", "contradicted": "Contradicted",
                 "consistent": "Consistent", "not_consistent": "Not consistent", "not_assessable": "Not assessable"}
TYPE_WORDS = {"existence": "existence", "negation": "negation", "frequency": "frequency", "causation": "causation",
              "association": "association", "possibility": "possibility (hedged)", "time_course": "time course",
              "recovery": "recovery"}
READUS_ITEMS = ("data source and custodian", "quarters and date of extraction", "deduplication and deleted cases",
                "probable duplicates", "exposure definition (ingredients, route, roles)", "event definition (MedDRA PTs)",  # noqa: E501
                "case counting unit (distinct current cases)", "disproportionality method and thresholds",
                "time-to-onset method", "limitations of spontaneous reports", "software and version")


def findings_table(report: dict) -> pd.DataFrame:
    """One row per claim: its sentence and words, pair, type, verdict and evidence.

    Disproportionality appears only on causation and association rows, labelled as a reporting signal.
    """
    rows = []
    for f in report["findings"]:
        s = f.get("signal") or {}
        signal = ""
        if s and f["cases"]:
            signal = (f"reporting signal only: ROR {_fmt(s.get('ror'))} (95% CI {_fmt(s['ror_ci'][0])}–"
                      f"{_fmt(s['ror_ci'][1])}); EB05 {_fmt(s.get('eb05'))} (90% interval lower end)")
        rows.append({"sentence": f["sentence"] + 1, "quote": f["quote"], "exposure": f["exposure_title"],
                     "event": f["event_title"], "claim_type": f["claim_type"], "verdict": f["verdict"],
                     "evidence": f["evidence"], "cases": f["cases"],
                     "years": f"{f['first_year']}–{f['last_year']}" if f["cases"] else "",
                     "inherited_exposure": f["inherited"], "hedged": f["hedged"], "note": f.get("absent", ""),
                     "reporting_signal": signal, "reading": f["reading"], "query_id": f["query_id"]})
    return pd.DataFrame(rows)


def _fmt(x: float | None, d: int = 2) -> str:
    return "n/a" if x is None or (isinstance(x, float) and x != x) else f"{x:,.{d}f}"


def _describe_exposure(e: dict) -> str:
    parts = [e["title"], f"ingredients {', '.join(e['ingredients']) or 'any'}"]
    if e["routes"] or e["text_terms"]:
        parts.append("route " + " or ".join(e["routes"]) + (f", or dose text mentioning {', '.join(e['text_terms'])}"
                                                             if e["text_terms"] else ""))
    else:
        parts.append("any route")
    parts.append(f"roles {'/'.join(e['roles']) or 'any'} ({'suspect drugs only' if set(e['roles']) <= {'PS', 'SS'} and e['roles'] else 'including concomitant'})")  # noqa: E501
    return ", ".join(parts)


def methods(report: dict) -> str:
    """A methods paragraph covering the READUS-PV items such a check needs (listed at its end)."""
    d = report["data"]
    used = report["used"]
    flow = {s["step"]: s["n"] for s in d["dedup_flow"]}
    exposures = "; ".join(_describe_exposure(e) for e in used["exposures"]) or "none"
    events = "; ".join(f"{e['title']} (cases with a fatal outcome, FAERS outcome code DE)" if e["name"] == "outcome:DE"
                       else f"{e['title']} (MedDRA PTs: {', '.join(e['pts'])})" for e in used["events"]) or "none"
    synthetic = ("These are SYNTHETIC DEMO DATA generated in FAERS format, not FDA data; no number here describes "
                 "real patients. " if d["synthetic"] else "")
    dups = ("Probable duplicates were not flagged." if "probable_duplicates" not in flow else
            f"{flow['probable_duplicates']:,} current cases were flagged as probable duplicates of an earlier case "
            "(same full event date, age, sex, country, drugs and reactions) and were "
            + ("excluded." if used["filters"].get("exclude_probable_duplicates") else "kept in the counts."))
    return (
        f"{synthetic}Data source: {d['database']}. Quarters {d['quarters']}, loaded {d['loaded_at'][:10]} "
        f"({len(d['files'])} files; checksums in the appendix). Deduplication followed FDA's recommendation: of "
        f"{flow.get('demo_rows', 0):,} report versions read, each of {flow.get('cases', 0):,} cases was represented by "
        "its latest version (highest case version, then latest FDA receipt date, then highest primary id), legacy "
        f"AERS and FAERS versions of one case were linked, {flow.get('deleted_cases', 0):,} cases FDA deleted were "
        f"removed, leaving {flow.get('current_cases', 0):,} current cases; exact duplicate rows were collapsed. "
        f"{dups} {_meddra_sentence(d)}Each claim of the text was read by sentence and clause; exposures: {exposures}. "
        f"Events: {events}. "
        "Counts are distinct current cases with the exposure and the event (not rates: spontaneous reports have no "
        "denominator). Claims of existence were checked against those counts; claims of frequency, causation, "
        "association and recovery were judged not assessable from spontaneous reports; for causation and "
        "association only, disproportionality is given as a reporting signal (ROR with Woolf's 95% CI; EB05, the "
        "lower end of the 90% interval of DuMouchel's EBGM, prior fitted over all ingredient–PT pairs of the "
        "database). Time-course claims were compared with the time to onset (exposure drug's start date to the "
        "event date, both full dates), requiring at least five such cases. Limitations: voluntary reporting, "
        "under-reporting, stimulated reporting (for example after FDA's 2014 Drug Safety Communication) and "
        f"duplicates that deduplication cannot fully remove. Analysis: {d['tool']}, {d['checked_at']}. "
        f"READUS-PV items covered: {'; '.join(READUS_ITEMS)}."
    )


def _meddra_sentence(d: dict) -> str:
    label = d.get("meddra")
    if not label:
        return ("Reported terms were counted as FAERS shipped them (MedDRA PTs of the version each report was coded "
                "in; no MedDRA distribution imported). ")
    return f"Reported terms were mapped to {label} preferred terms (lowest-level terms to their PT). "


def citation(report: dict) -> str:
    """How to cite the data and this check."""
    d = report["data"]
    ids = sorted({f["query_id"] for f in report["findings"]})
    faers = ("U.S. Food and Drug Administration. FDA Adverse Event Reporting System (FAERS) Quarterly Data "
             f"Extract Files, quarters {d['quarters']}. Accessed {d['loaded_at'][:10]}.")
    if d["synthetic"]:
        faers = f"SYNTHETIC DEMO DATA in FAERS format (not FDA data), quarters {d['quarters']}."
    return f"{faers}\nfaers-explorer {__version__}, claim check, query ids {', '.join(ids) or 'none'}."


def _recognised(sentence: dict, report: dict) -> list[str]:
    out = []
    for m in sentence["exposures"]:
        role = "" if m["role"] == "suspect" else f" ({m['role']}: not counted as the claim's exposure)"
        route = f", route bound by \"{m['route_words']}\"" if m["route_words"] else ""
        out.append(f"exposure \"{m['words']}\" → {m['title']}{route}{role}")
    for m in sentence["events"]:
        role = "" if m["role"] == "suspect" else f" ({m['role']}: not an event)"
        out.append(f"event \"{m['words']}\" → {m['title']}{role}")
    for i in sentence["findings"]:
        f = report["findings"][i]
        if f["inherited"]:
            out.append(f"no drug named: the exposure of the paragraph ({f['exposure_title']}) is inherited")
            break
    return out


def to_markdown(report: dict) -> str:
    """The check as Markdown, sentence by sentence, with the legend."""
    d = report["data"]
    lines = ["> **Synthetic demo data — not FDA data.**", ""] if d["synthetic"] else []
    lines += ["# Claim check", "", f"> {report['text']}", ""]
    for s in report["sentences"]:
        lines += [f"## Sentence {s['index'] + 1}", "", f"> {s['text']}", ""]
        lines += [f"- {r}" for r in _recognised(s, report)] or ["- nothing recognised"]
        found = [report["findings"][i] for i in s["findings"]]
        if not found:
            lines += ["", "No claim about an exposure and an event in this sentence.", ""]
            continue
        lines += ["", "| claim (quoted) | exposure | event | type | verdict | evidence |", "|---|---|---|---|---|---|"]
        for f in found:
            lines.append(f"| “{f['quote']}” | {f['exposure_title']} | {f['event_title']} | "
                         f"{TYPE_WORDS[f['claim_type']]} | **{VERDICT_WORDS[f['verdict']]}** | {f['evidence']} |")
        lines += [""] + [f"- {r}" for r in dict.fromkeys(f["reading"] for f in found)] + [""]
    lines += ["## Legend", ""] + [f"- **{VERDICT_WORDS[k]}**: {v}" for k, v in report["legend"].items()]
    lines += ["", "## Methods", "", methods(report), "", "## Citation", "", citation(report), ""]
    if d["synthetic"]:
        lines += ["> **Synthetic demo data — not FDA data.**", ""]
    return "\n".join(lines)


def to_json(report: dict) -> str:
    """The whole report as JSON (stable keys for scripts)."""
    return json.dumps(report, indent=1, default=str, ensure_ascii=False)


def highlight(sentence: dict, report: dict) -> str:
    """The sentence as HTML with the words of its claims marked (exposures, events, claim words)."""
    text, base = sentence["text"], sentence["start"]
    raw = report["text"]
    offset = raw.find(text, max(0, base - 2))
    offset = base if offset < 0 else offset
    marks: list[tuple[int, int, str]] = []
    for m in sentence["exposures"]:
        marks.append((m["start"] - offset, m["end"] - offset, "exp" if m["role"] == "suspect" else "other"))
    for m in sentence["events"]:
        marks.append((m["start"] - offset, m["end"] - offset, "evt" if m["role"] == "suspect" else "other"))
    for i in sentence["findings"]:
        f = report["findings"][i]
        for w in f["cue_words"]:
            at = text.lower().find(w.lower())
            if at >= 0:
                marks.append((at, at + len(w), "cue"))
    marks = sorted({m for m in marks if 0 <= m[0] < m[1] <= len(text)})
    out, pos = [], 0
    for start, end, kind in marks:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark class='{kind}'>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _charts(report: dict) -> list[tuple[str, str, object]]:
    """(file stem, caption, figure): cases by year for each pair with reports; onset behind each time course."""
    d = report["data"]
    figs, seen = [], set()
    for f in report["findings"]:
        key = (f["exposure"], f["event"])
        what = f"{f['event_title']} after {f['exposure_title']}"
        if key not in seen and f["cases"]:
            seen.add(key)
            cap = charts.caption(d["notice"], d["quarters"], f"{f['exposure_title']}; event {f['event_title']}",
                                 synthetic=d["synthetic"], meddra=d.get("meddra"))
            years = pd.DataFrame({"year": [int(y) for y in f["by_year"]], "n_cases": list(f["by_year"].values())})
            years["n_serious"], years["n_non_serious"] = years["n_cases"], 0
            fig = charts.bars(years, "year", "n_cases", cap, d["synthetic"], f"{what}: cases by year received",
                              x_title="Year FDA received the case")
            figs.append((f"{f['exposure']}__{f['event']}__by-year", cap, fig))
        onset = f.get("onset")
        if f["claim_type"] == "time_course" and onset and onset.get("days"):
            cap = charts.caption(d["notice"], d["quarters"], f"{f['exposure_title']}; event {f['event_title']}; "
                                 f"{onset['n']} cases with full start and event dates", synthetic=d["synthetic"],
                                 meddra=d.get("meddra"))
            fig = charts.onset_histogram(pd.Series(onset["days"]), cap, d["synthetic"],
                                         f"{what}: time to onset ({onset['within']} of {onset['n']} within "
                                         f"{f['window_days']:g} day{'' if f['window_days'] == 1 else 's'})")
            fig.add_vline(x=f["window_days"] + 0.5, line_dash="dash", line_color=charts.ACCENT)
            figs.append((f"{f['exposure']}__{f['event']}__onset-s{f['sentence'] + 1}", cap, fig))
    return figs


def _stem(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:90]


_CSS = """
body { font-family: Arial, Helvetica, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; line-height: 1.45; }
blockquote { border-left: 4px solid #1f4e79; margin: .6rem 0; padding: .4rem 1rem; background: #f3f6fa; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .4rem 0 1rem; }
td, th { border: 1px solid #ccc; padding: .25rem .45rem; text-align: left; vertical-align: top; }
.supported, .consistent { color: #1d6b2f; font-weight: bold; }
.not_found, .not_consistent, .contradicted { color: #a00; font-weight: bold; }
.not_assessable { color: #7a5b00; font-weight: bold; }
mark.exp { background: #d6e6f5; } mark.evt { background: #fde2c4; } mark.cue { background: #e3f1d5; }
mark.other { background: #eee; text-decoration: line-through; }
.synthetic { background: #fff3cd; border: 2px solid #c9a400; padding: .5rem; font-weight: bold; }
.pagelabel { position: fixed; top: 0; left: 0; right: 0; text-align: center; font-size: 9pt; font-weight: bold;
             background: #fff3cd; color: #6b5200; padding: 2px; }
figure { margin: .6rem 0; page-break-inside: avoid; } figure svg { width: 100%; max-width: 17cm; height: auto; }
h2, h3 { page-break-after: avoid; } tr { page-break-inside: avoid; }
figcaption { font-size: .8rem; color: #444; }
@page { margin: 1.6cm 1.3cm 1.3cm 1.3cm; }
@media print { body { margin: 0 auto; } .pagelabel { top: -1.1cm; } }
"""


def to_html(report: dict, with_charts: bool = True) -> str:
    """A self-contained page: inline styles, charts as inline SVG, no external resource."""
    esc = html.escape
    d = report["data"]
    parts = []
    for s in report["sentences"]:
        found = [report["findings"][i] for i in s["findings"]]
        rows = "".join(
            f"<tr><td>“{esc(f['quote'])}”</td><td>{esc(f['exposure_title'])}</td><td>{esc(f['event_title'])}</td>"
            f"<td>{TYPE_WORDS[f['claim_type']]}</td><td class='{f['verdict']}'>{VERDICT_WORDS[f['verdict']]}</td>"
            f"<td>{esc(f['evidence'])}</td></tr>" for f in found)
        recognised = "".join(f"<li>{esc(r)}</li>" for r in _recognised(s, report))
        body = (f"<table><tr><th>Claim (quoted)</th><th>Exposure</th><th>Event</th><th>Type</th><th>Verdict</th>"
                f"<th>Evidence</th></tr>{rows}</table><ul>"
                + "".join(f"<li>{esc(r)}</li>" for r in dict.fromkeys(f["reading"] for f in found)) + "</ul>"
                if found else "<p>No claim about an exposure and an event in this sentence.</p>")
        parts.append(f"<section class='sentence'><h3>Sentence {s['index'] + 1}</h3><blockquote>{highlight(s, report)}"
                     f"</blockquote><ul class='recognised'>{recognised}</ul>{body}</section>")
    figures = ""
    if with_charts:
        for _, _cap, fig in _charts(report):
            svg = export.figure_bytes(fig, "svg").decode("utf-8")
            figures += f"<figure>{svg}</figure>"  # the caption is on the canvas
    legend = "".join(f"<li><span class='{k}'>{VERDICT_WORDS[k]}</span>: {esc(v)}</li>"
                     for k, v in report["legend"].items())
    label = ("<div class='pagelabel'>SYNTHETIC DEMO DATA — NOT FDA DATA</div>"
             "<p class='synthetic'>SYNTHETIC DEMO DATA — NOT FDA DATA. Every number on this page is made up.</p>"
             if d["synthetic"] else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Claim check — faers-explorer</title>
<style>{_CSS}</style></head><body>
{label}<h1>Claim check</h1>
<p>Data: {esc(d['notice'])}, quarters {esc(d['quarters'])}. Highlighted: <mark class='exp'>exposure</mark>,
<mark class='evt'>event</mark>, <mark class='cue'>claim words</mark>, <mark class='other'>not counted</mark>
(indication or concomitant drug).</p>
<blockquote>{esc(report['text'])}</blockquote>
<h2>Claims, sentence by sentence</h2>
{''.join(parts)}
<h2>Legend</h2><ul>{legend}</ul>
{'<h2>Charts</h2>' + figures if figures else ''}
<h2>Methods</h2><p>{esc(methods(report))}</p>
<h2>Citation</h2><pre>{esc(citation(report))}</pre>
<p>The loaded files and their sha256 checksums are listed in <code>appendix/files.csv</code> of the evidence pack.</p>
</body></html>
"""


def write_pack(report: dict, folder: str | Path,
               progress: Reporter | Callable[[str], None] | None = None) -> list[Path]:
    """Write the evidence pack into a folder; return the files written.

    Args:
        report: a claim-check report (see :func:`explorer.claims.check`).
        folder: where to write it (created if missing).
        progress: a reporter (a step over the charts' files, then the PDF), or a callable given lines.
    """
    say = reporter(progress)
    out = Path(folder)
    for sub in ("charts", "tables", "appendix"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    d = report["data"]
    written = []
    page = out / "evidence.html"
    page.write_text(to_html(report), encoding="utf-8")
    written.append(page)
    figures = _charts(report)
    with say.step("drawing the charts (PNG, SVG, PDF)", total=3 * len(figures), unit="files") as step:
        for name, _, fig in figures:
            for fmt in ("png", "svg", "pdf"):
                path = out / "charts" / f"{_stem(name)}.{fmt}"
                path.write_bytes(export.figure_bytes(fig, fmt))
                written.append(path)
                step.advance()
    cap = charts.caption(d["notice"], d["quarters"], "claim check findings", synthetic=d["synthetic"],
                         meddra=d.get("meddra"))
    tables = {out / "tables" / "findings.csv": findings_table(report),
              out / "appendix" / "files.csv": pd.DataFrame(d["files"]),
              out / "appendix" / "dedup_flow.csv": pd.DataFrame(d["dedup_flow"])}
    for path, frame in tables.items():
        path.write_bytes(export.csv_bytes(frame, cap, d["synthetic"]))
        written.append(path)
    label = "**Synthetic demo data — not FDA data.**\n\n" if d["synthetic"] else ""
    texts = {out / "methods.md": label + methods(report) + "\n", out / "citation.txt": citation(report) + "\n",
             out / "query.toml": query_toml.dumps(report) + "\n", out / "report.json": to_json(report) + "\n"}
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
        written.append(path)
    pdf = out / "evidence.pdf"
    with say.step("printing evidence.pdf"):
        print_pdf(page, pdf)
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

"""Claim check: paste an article's sentences; see each claim it makes and what FAERS can and cannot say about it."""

import hashlib
import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from explorer import claims
from explorer.app import common, downloads, page
from explorer.definitions import ROLES, ingredient_exposure, single_pt
from explorer.errors import ExplorerError
from explorer.report import evidence

EXAMPLE = ("The sensation of \"heaviness\" in both legs following an epidural hip injection for chronic pain is a "
           "common side effect that typically resolves within a few days to a week. In rare cases it could be a sign "
           "of spinal cord infarction, as reported in the FDA Adverse Event Reporting System database.")
NO_CHANGE = "(as read)"
ROUTES = ["any", "Epidural", "Intravenous (not otherwise specified)", "Intrathecal", "Intramuscular", "Oral",
          "Subcutaneous", "Intra-articular", "Perineural"]


def body(p: page.Page) -> None:
    """Read the text, show each claim with its verdict, let the user correct a claim, offer the pack."""
    s, synthetic = p.store, p.synthetic
    st.caption("Each sentence is read clause by clause. Every claim it makes about an exposure and an event gets one "
               "verdict: reports exist or not (existence, hedged possibility, negation), or not assessable from "
               "spontaneous reports (frequency, causation, association, recovery), or compared with the time to onset "
               "(a stated onset window).")
    text = st.text_area("Sentences from the article", st.query_params.get("claim", EXAMPLE), height=140, key="claim")
    if not text.strip():
        st.info("Paste the sentences to check.")
        return
    st.query_params["claim"] = text
    tag = hashlib.sha1(text.encode()).hexdigest()[:10]
    fixes: dict[int, dict] = st.session_state.setdefault(f"claim-fixes-{tag}", {})
    try:
        report = claims.check(s, text, corrections=fixes)
    except ExplorerError as e:
        st.error(str(e))
        return

    st.markdown("<small>Highlighted: <mark style='background:#d6e6f5'>exposure</mark> · "
                "<mark style='background:#fde2c4'>event</mark> · <mark style='background:#e3f1d5'>claim words</mark> · "
                "<mark style='background:#eee'>not counted (indication, concomitant drug)</mark></small>",
                unsafe_allow_html=True)
    css = ("<style>mark.exp{background:#d6e6f5} mark.evt{background:#fde2c4} mark.cue{background:#e3f1d5} "
           "mark.other{background:#eee;text-decoration:line-through}</style>")
    st.markdown(css, unsafe_allow_html=True)
    for sentence in report["sentences"]:
        st.markdown(f"**Sentence {sentence['index'] + 1}**")
        st.markdown(f"> {evidence.highlight(sentence, report)}", unsafe_allow_html=True)
        found = [report["findings"][i] for i in sentence["findings"]]
        if not found:
            st.caption("No claim about an exposure and an event in this sentence.")
            continue
        rows = pd.DataFrame([{
            "claim": f["claim"] + 1, "exposure": f["exposure_title"] + (" (inherited)" if f["inherited"] else ""),
            "event": f["event_title"], "type": evidence.TYPE_WORDS[f["claim_type"]],
            "verdict": evidence.VERDICT_WORDS[f["verdict"]], "evidence": f["evidence"],
            "corrected": "yes" if f["corrected"] else ""} for f in found])
        st.dataframe(rows, hide_index=True, width="stretch")
        for reading in dict.fromkeys(f["reading"] for f in found):
            st.markdown(f"- {reading}")

    with st.expander("Correct a claim (its exposure, event, route or type) before the verdict"):
        numbers = sorted({f["claim"] for f in report["findings"]} | set(fixes))
        if not numbers:
            st.caption("No claim was read from the text; name the pair with `python -m explorer check --exposure "
                       "... --event ...` or rephrase the sentence.")
        else:
            n = st.selectbox("Claim", numbers, format_func=lambda i: f"claim {i + 1}", key=f"fix-n-{tag}")
            current = next((f for f in report["findings"] if f["claim"] == n), None)
            if current is not None:
                st.caption(f"Read as: {current['exposure_title']} × {current['event_title']}, "
                           f"{current['claim_type']} — “{current['quote']}”")
            defs = s.definitions
            exposure_choice = st.selectbox("Exposure", [NO_CHANGE, *sorted(defs.exposures), "an ingredient…"],
                                           key=f"fix-e-{tag}")
            ingredient = route = None
            if exposure_choice == "an ingredient…":
                ingredient = st.text_input("Ingredient", key=f"fix-i-{tag}")
                route = st.selectbox("Route", ROUTES, key=f"fix-r-{tag}")
            event_choice = st.selectbox("Event", [NO_CHANGE, *sorted(defs.events), *common.pt_vocabulary(s)],
                                        key=f"fix-v-{tag}")
            type_choice = st.selectbox("Claim type", [NO_CHANGE, *claims.CLAIM_TYPES], key=f"fix-t-{tag}")
            drop = st.checkbox("This is not a claim (drop it)", key=f"fix-d-{tag}")
            apply, reset = st.columns(2)
            if apply.button("Apply the correction", key=f"fix-apply-{tag}"):
                fix: dict = {"drop": True} if drop else {}
                if exposure_choice in defs.exposures:
                    fix["exposure"] = defs.exposure(exposure_choice)
                elif ingredient and ingredient.strip():
                    fix["exposure"] = ingredient_exposure(ingredient, None if route == "any" else route, ROLES[:2])
                if event_choice in defs.events:
                    fix["event"] = defs.event(event_choice)
                elif event_choice != NO_CHANGE:
                    fix["event"] = single_pt(event_choice)
                if type_choice != NO_CHANGE:
                    fix["claim_type"] = type_choice
                fixes[n] = fix
                st.rerun()
            if reset.button("Undo all corrections", key=f"fix-reset-{tag}", disabled=not fixes):
                fixes.clear()
                st.rerun()

    with st.expander("Legend"):
        for key, words in report["legend"].items():
            st.markdown(f"- **{evidence.VERDICT_WORDS[key]}**: {words}")
    with st.expander("Methods paragraph and citation"):
        st.write(evidence.methods(report))
        st.code(evidence.citation(report), language=None)


    def pack_zip() -> bytes:
        """The evidence pack as one zip."""
        with tempfile.TemporaryDirectory() as tmp:
            files = evidence.write_pack(report, tmp)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for f in files:
                    zf.write(f, Path(f).relative_to(tmp).as_posix())
            return buf.getvalue()


    st.download_button("Download the evidence pack (zip: HTML and PDF report, charts, tables, methods, citation, "
                       "query)", data=pack_zip, file_name="evidence-pack.zip", mime="application/zip", key="pack",
                       on_click="ignore")
    table = evidence.findings_table(report)
    downloads.table(table, "claim check findings", common.charts.caption(
        report["data"]["notice"], report["data"]["quarters"], "claim check", synthetic=synthetic), synthetic, "claims")


page.run("claims", "Claim check", body, selection=False)

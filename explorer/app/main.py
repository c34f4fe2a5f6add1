"""Streamlit entry point: navigation only. Run with `python -m explorer app`."""

from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent / "views"

st.set_page_config(page_title="FAERS signal explorer", layout="wide")
page = st.navigation([
    st.Page(HERE / "overview.py", title="Overview", url_path="overview", default=True),
    st.Page(HERE / "explore.py", title="Explore", url_path="explore"),
    st.Page(HERE / "signals.py", title="Signals", url_path="signals"),
    st.Page(HERE / "cases.py", title="Cases", url_path="cases"),
    st.Page(HERE / "onset.py", title="Time to onset", url_path="onset"),
    st.Page(HERE / "claims.py", title="Claim check", url_path="claims"),
    st.Page(HERE / "sql.py", title="SQL", url_path="sql"),
])
page.run()

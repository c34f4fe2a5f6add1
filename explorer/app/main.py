"""Streamlit entry point: navigation only. Run with `python -m explorer app`."""

import warnings
from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent / "views"

# numpy's divide-by-zero and 0/0 on empty 2x2 cells: the measures come out NaN and the pages say "not defined"
warnings.filterwarnings("ignore", category=RuntimeWarning, message=".*(divide by zero|invalid value|Degrees of "
                        "freedom|Mean of empty slice).*")

st.set_page_config(page_title="FAERS signal explorer", layout="wide")
page = st.navigation([
    st.Page(HERE / "start.py", title="Start", url_path="start", default=True),
    st.Page(HERE / "overview.py", title="Overview", url_path="overview"),
    st.Page(HERE / "explore.py", title="Explore", url_path="explore"),
    st.Page(HERE / "signals.py", title="Signals", url_path="signals"),
    st.Page(HERE / "cases.py", title="Cases", url_path="cases"),
    st.Page(HERE / "onset.py", title="Time to onset", url_path="onset"),
    st.Page(HERE / "claims.py", title="Claim check", url_path="claims"),
    st.Page(HERE / "sql.py", title="SQL", url_path="sql"),
])
page.run()

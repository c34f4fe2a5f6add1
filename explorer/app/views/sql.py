"""SQL: read-only ad-hoc SELECT over the documented schema, with a row limit and a time limit."""

import streamlit as st

from explorer.app import common
from explorer.sandbox import SqlRefused, run_select

s = common.store()
st.title("SQL")
synthetic = common.banner(s)
st.caption("One SELECT (or WITH … SELECT) over the tables documented in the README. The database is opened "
           "read-only, without file or network access; results stop at the row limit and the time limit.")
sql = st.text_area("Query", "SELECT received_year, count(*) AS n_cases\nFROM cases\nGROUP BY ALL\nORDER BY 1",
                   height=160, key="sql")
c1, c2 = st.columns(2)
limit = c1.number_input("Row limit", 1, 100_000, 1000, key="sql-limit")
seconds = c2.number_input("Time limit (s)", 1, 60, 10, key="sql-seconds")
if st.button("Run", key="run"):
    try:
        frame, truncated = run_select(common.db_path(), sql, int(limit), float(seconds))
    except SqlRefused as e:
        st.error(str(e))
    else:
        st.dataframe(frame, hide_index=True, width="stretch")
        st.caption(f"{len(frame):,} rows" + (" (row limit reached)" if truncated else ""))
        common.table_downloads(frame, "query result", "Ad-hoc SQL: " + " ".join(sql.split()), synthetic, "sql")

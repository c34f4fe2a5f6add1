"""SQL: read-only ad-hoc SELECT over the store, bounded in rows, time, memory and result size; a schema browser."""

import pandas as pd
import streamlit as st

from explorer.app import db, downloads, page
from explorer.sandbox import SqlRefused, run_select

MEMORY_LIMIT = "2GB"
MAX_CELL_CHARS = 2_000  # longer text is cut in the page (the download keeps it whole up to the byte bound)
MAX_RESULT_BYTES = 50_000_000  # far below Streamlit's message limit


def bounded(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The result cut to what a page can show: long text cells shortened, then rows dropped past the byte bound.

    Returns:
        The frame to show and one sentence per cut made.
    """
    notes = []
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col].map(lambda x: x if not isinstance(x, (str, bytes)) else x[:MAX_CELL_CHARS])
            long = out[col].map(lambda x: isinstance(x, (str, bytes)) and len(x) > MAX_CELL_CHARS)
            if long.any():
                notes.append(f"{int(long.sum()):,} cell(s) of {col} longer than {MAX_CELL_CHARS:,} characters are "
                             "shown cut.")
                out[col] = text
    size = int(out.memory_usage(deep=True).sum())
    if size > MAX_RESULT_BYTES and len(out):
        keep = max(int(len(out) * MAX_RESULT_BYTES / size), 1)
        notes.append(f"The result holds {size / 1e6:,.0f} MB; only its first {keep:,} rows are shown.")
        out = out.head(keep)
    return out, notes


def schema(p: page.Page) -> None:
    cols = page.run_query(p, "app_schema_columns")
    with st.expander(f"Tables and columns ({cols['table_name'].nunique()} tables)"):
        tables = list(dict.fromkeys(cols["table_name"]))
        chosen = st.selectbox("Table", tables, key="sql-table",
                              index=tables.index("cases") if "cases" in tables else 0)
        st.dataframe(cols[cols["table_name"] == chosen][["column_name", "data_type"]], hide_index=True,
                     width="stretch")


def body(p: page.Page) -> None:
    st.caption("One SELECT (or WITH … SELECT) over the tables below. The database is opened read-only, without "
               f"file or network access; results stop at the row limit, the time limit and {MEMORY_LIMIT} of "
               "memory, and long cells are cut.")
    schema(p)
    sql = st.text_area("Query", "SELECT received_year, count(*) AS n_cases\nFROM cases\nGROUP BY ALL\nORDER BY 1",
                       height=160, key="sql")
    c1, c2 = st.columns(2)
    limit = c1.number_input("Row limit", 1, 100_000, 1000, key="sql-limit")
    seconds = c2.number_input("Time limit (s)", 1, 60, 10, key="sql-seconds")
    if st.button("Run", key="run"):
        try:
            frame, truncated = run_select(db.db_path(), sql, int(limit), float(seconds), MEMORY_LIMIT)
        except SqlRefused as e:
            st.error(str(e))
            return
        shown, notes = bounded(frame)
        st.dataframe(shown, hide_index=True, width="stretch")
        st.caption(f"{len(frame):,} rows" + (" (row limit reached)" if truncated else ""))
        for note in notes:
            st.caption(note)
        downloads.table(shown, "query result", "Ad-hoc SQL: " + " ".join(sql.split()), p.synthetic, "sql")


page.run("sql", "SQL", body, selection=False)

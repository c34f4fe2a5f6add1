"""The raw and bookkeeping tables (``queries/store/load.sql``) and the model's version. The model is built by
``core.sql``."""

from __future__ import annotations

from explorer.ingest.layouts import TABLES, canonical_columns
from explorer.store.sql import named_steps

# The version of the model's layout (its tables and columns): raise it whenever core.sql changes what a built store
# holds. A store built under another version is rebuilt from its raw tables (``python -m explorer rebuild``).
MODEL_VERSION = 4  # 4: kept vocabulary maps and counts, pair_case_counts, for incremental updates (issue 18)




def raw_table_ddl(table: str) -> str:
    """CREATE statement of a raw table: canonical FAERS columns as text, then quarter and source file."""
    cols = ",\n    ".join(f"{c} VARCHAR" for c in canonical_columns(table))
    return (
        f"CREATE TABLE IF NOT EXISTS raw_{table} (\n    {cols},\n"
        "    quarter VARCHAR NOT NULL,\n    source_file VARCHAR NOT NULL\n);"
    )


def create_schema(con) -> None:
    """Create the raw and bookkeeping tables if they do not exist."""
    steps = named_steps("load.sql")
    con.execute(steps["bookkeeping_tables"])
    con.execute(steps["load_log_last_line"])
    for t in TABLES:
        con.execute(raw_table_ddl(t))

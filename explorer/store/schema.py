"""DDL of the raw and bookkeeping tables. The core model is built by ``core.sql``."""

from __future__ import annotations

from explorer.ingest.layouts import TABLES, canonical_columns

# The version of the model's layout (its tables and columns): raise it whenever core.sql changes what a built store
# holds. A store built under another version is rebuilt from its raw tables (``python -m explorer rebuild``).
MODEL_VERSION = 4  # 4: kept vocabulary maps and counts, pair_case_counts, for incremental updates (issue 18)

META_DDL = """
CREATE TABLE IF NOT EXISTS load_log (
    quarter VARCHAR NOT NULL,        -- 2020q3
    source VARCHAR NOT NULL,         -- the zip or folder given to `load`
    source_sha256 VARCHAR NOT NULL,  -- sha256 of the zip (or of the folder's file hashes)
    file VARCHAR NOT NULL,           -- zip member or path
    table_name VARCHAR NOT NULL,     -- demo, drug, ..., deleted
    sha256 VARCHAR NOT NULL,         -- of the file's raw bytes
    bytes BIGINT NOT NULL,
    lines_read BIGINT NOT NULL,      -- physical data lines (header excluded)
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    lines_rejoined BIGINT NOT NULL,  -- records rebuilt from lines split by embedded newlines
    lines_in_rejoined BIGINT NOT NULL,  -- the physical lines they were rebuilt from
    lines_repaired BIGINT NOT NULL,  -- lines loaded after encoding, control-character or trailing-$ repair
    blank_lines BIGINT NOT NULL,
    -- every line is accounted for: lines_read = rows_loaded - lines_rejoined + lines_in_rejoined
    --                                            + rows_rejected + blank_lines
    synthetic BOOLEAN NOT NULL,      -- the zip carries the generator's SYNTHETIC marker
    loaded_at TIMESTAMP NOT NULL,
    tool_version VARCHAR NOT NULL,
    -- the file's last line had no line terminator (loaded if it was a complete record, else rejected as a
    -- truncation); NULL for files loaded before this was recorded
    last_line_unterminated BOOLEAN
);
CREATE TABLE IF NOT EXISTS rejects (
    quarter VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    line_no BIGINT NOT NULL,         -- 1-based physical line in the file (the header is line 1)
    raw_text VARCHAR NOT NULL,
    reason VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS raw_deleted (
    caseid VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
"""


def raw_table_ddl(table: str) -> str:
    """CREATE statement of a raw table: canonical FAERS columns as text, then quarter and source file."""
    cols = ",\n    ".join(f"{c} VARCHAR" for c in canonical_columns(table))
    return (
        f"CREATE TABLE IF NOT EXISTS raw_{table} (\n    {cols},\n"
        "    quarter VARCHAR NOT NULL,\n    source_file VARCHAR NOT NULL\n);"
    )


def create_schema(con) -> None:
    """Create the raw and bookkeeping tables if they do not exist."""
    con.execute(META_DDL)
    # stores made before the column existed get it (added last, as in the DDL above)
    con.execute("ALTER TABLE load_log ADD COLUMN IF NOT EXISTS last_line_unterminated BOOLEAN")
    for t in TABLES:
        con.execute(raw_table_ddl(t))

-- Named steps of the load job (explorer/load.py) and the store's bookkeeping tables (explorer/store/schema.py).
-- The raw tables' DDL and the raw inserts are generated from the column map of each era (ingest/column_map.csv),
-- their names never from the input.

-- step: bookkeeping_tables
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

-- step: load_log_last_line
-- stores made before the column existed get it (added last, as in the DDL above)
ALTER TABLE load_log ADD COLUMN IF NOT EXISTS last_line_unterminated BOOLEAN;

-- step: has_load_log
SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() AND table_name = 'load_log';

-- step: existing_loads
SELECT DISTINCT quarter, source_sha256 FROM load_log;

-- step: insert_rejects
INSERT INTO rejects SELECT * FROM rejects_batch;

-- step: insert_deleted
INSERT INTO raw_deleted SELECT * FROM deleted_batch;

-- step: insert_log
INSERT INTO load_log (quarter, source, source_sha256, file, table_name, sha256, bytes, lines_read, rows_loaded,
                      rows_rejected, lines_rejoined, lines_in_rejoined, lines_repaired, blank_lines, synthetic,
                      loaded_at, tool_version, last_line_unterminated)
VALUES ($quarter, $source, $source_sha, $file, $table, $sha, $bytes, $lines, $rows, $rejected, $rejoined, $joined,
        $repaired, $blank, $synthetic, $at, $version, $unterminated);

-- step: quarter_to_remove
SET VARIABLE removed_quarter = $quarter;

-- step: remove_quarter
-- every row of a quarter that is loaded again (a re-published quarter): run after quarter_to_remove
DELETE FROM raw_demo WHERE quarter = getvariable('removed_quarter');
DELETE FROM raw_drug WHERE quarter = getvariable('removed_quarter');
DELETE FROM raw_reac WHERE quarter = getvariable('removed_quarter');
DELETE FROM raw_outc WHERE quarter = getvariable('removed_quarter');
DELETE FROM raw_rpsr WHERE quarter = getvariable('removed_quarter');
DELETE FROM raw_ther WHERE quarter = getvariable('removed_quarter');
DELETE FROM raw_indi WHERE quarter = getvariable('removed_quarter');
DELETE FROM raw_deleted WHERE quarter = getvariable('removed_quarter');
DELETE FROM rejects WHERE quarter = getvariable('removed_quarter');
DELETE FROM load_log WHERE quarter = getvariable('removed_quarter');

-- step: build_settings
-- bulk loads on a small machine; one checkpoint at the end instead of one every 16 MB of WAL (the build file is
-- private until the swap)
SET preserve_insertion_order = false;
SET checkpoint_threshold = '8GB';

-- step: checkpoint
CHECKPOINT;

-- step: flow
SELECT step, n, description FROM dedup_flow ORDER BY step_no;

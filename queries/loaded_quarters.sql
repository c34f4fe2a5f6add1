-- name: loaded_quarters
-- title: Quarters in the store, with their source, rows, rejected lines and provenance
-- parameters: none
SELECT
    quarter,
    any_value(source) AS source,
    any_value(source_sha256) AS source_sha256,
    count(*) AS files,
    sum(bytes) AS bytes,
    sum(rows_loaded) FILTER (WHERE table_name = 'demo') AS reports,
    sum(rows_loaded) FILTER (WHERE table_name = 'drug') AS drug_rows,
    sum(rows_loaded) FILTER (WHERE table_name = 'reac') AS reac_rows,
    sum(rows_loaded) FILTER (WHERE table_name = 'deleted') AS deleted_ids,
    sum(rows_rejected) AS rejected_lines,
    sum(lines_rejoined) AS rejoined_records,
    bool_or(synthetic) AS synthetic,
    max(loaded_at) AS loaded_at
FROM load_log
GROUP BY quarter
ORDER BY quarter

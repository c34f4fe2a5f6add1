-- name: app_load_files
-- title: Every file loaded, with its sha256, size and rows loaded and rejected
-- parameters: none
SELECT quarter, file, table_name, sha256, bytes, rows_loaded, rows_rejected, loaded_at
FROM load_log ORDER BY quarter, table_name

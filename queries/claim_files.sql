-- name: claim_files
-- title: Every loaded file with its checksum and rows (provenance of a claim check)
-- parameters: none
SELECT quarter, file, sha256, rows_loaded, rows_rejected FROM load_log ORDER BY quarter, file

-- name: claim_data_span
-- title: First and last loaded quarter and the time of the latest load
-- parameters: none
SELECT min(quarter) AS first_quarter, max(quarter) AS last_quarter, max(loaded_at) AS loaded_at FROM load_log

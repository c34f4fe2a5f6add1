-- name: app_quarter_range
-- title: First and last quarter loaded
-- parameters: none
SELECT min(quarter) AS first_quarter, max(quarter) AS last_quarter FROM load_log

-- name: store_has_cases
-- title: Whether the opened database (the default catalog) holds the model's cases table
-- parameters: none
SELECT count(*) > 0 AS is_store
FROM information_schema.tables
WHERE table_catalog = current_database() AND table_name = 'cases'

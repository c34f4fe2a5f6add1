-- name: store_has_meta
-- title: Whether the opened database has the meta table
-- parameters: none
SELECT count(*) > 0 AS has_meta
FROM information_schema.tables
WHERE table_catalog = current_database() AND table_name = 'meta'

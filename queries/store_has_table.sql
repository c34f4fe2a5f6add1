-- name: store_has_table
-- title: Whether the opened database (the default catalog) holds a table of this name
-- parameters: $table
SELECT count(*) > 0 AS present
FROM information_schema.tables
WHERE table_catalog = current_database() AND table_name = $table

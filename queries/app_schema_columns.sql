-- name: app_schema_columns
-- title: Tables and columns of the store, for the SQL page's schema browser
-- parameters: none
SELECT table_name, column_name, data_type
FROM information_schema.columns
WHERE table_catalog = current_database() AND table_schema = 'main'
ORDER BY table_name, ordinal_position

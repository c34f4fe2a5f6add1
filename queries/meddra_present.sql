-- name: meddra_present
-- title: Whether the store holds imported MedDRA (its versions table)
-- parameters: none
SELECT count(*) > 0 AS present
FROM information_schema.tables
WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = 'meddra_versions'

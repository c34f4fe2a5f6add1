-- name: meddra_imported_versions
-- title: Every imported MedDRA version with the sha256 of its distribution and whether it is current
-- parameters: none
SELECT version, sha256, is_current FROM meddra_versions

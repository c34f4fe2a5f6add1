-- name: meddra_current_version
-- title: The current MedDRA version of the store and its language
-- parameters: none
SELECT version, language FROM meddra_versions WHERE is_current

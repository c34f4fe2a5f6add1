-- name: meddra_smq_find
-- title: An SMQ of the current MedDRA version, by name (any case) or code
-- parameters: $smq
SELECT smq_code, smq_name, smq_level, smq_status,
       coalesce(upper(smq_algorithm), 'N') <> 'N' AS is_algorithmic, smq_algorithm
FROM meddra_smq
WHERE version = (SELECT version FROM meddra_versions WHERE is_current)
  AND (lower(trim(smq_name)) = lower(trim($smq)) OR smq_code::VARCHAR = trim($smq))
ORDER BY smq_code

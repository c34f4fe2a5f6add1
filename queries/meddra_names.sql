-- name: meddra_names
-- title: The SMQs, SOCs, HLGTs or HLTs of the current MedDRA version (what the event options and pickers name)
-- parameters: $level
-- $level: smq, soc, hlgt or hlt. is_algorithmic: an SMQ with an algorithm (used here by its term lists only).
WITH cur AS (SELECT version FROM meddra_versions WHERE is_current)
SELECT name, code, is_algorithmic FROM (
    SELECT smq_name AS name, smq_code AS code, coalesce(upper(smq_algorithm), 'N') <> 'N' AS is_algorithmic
    FROM meddra_smq WHERE version = (SELECT version FROM cur) AND $level = 'smq'
    UNION ALL
    SELECT soc_name, soc_code, false FROM meddra_soc WHERE version = (SELECT version FROM cur) AND $level = 'soc'
    UNION ALL
    SELECT hlgt_name, hlgt_code, false FROM meddra_hlgt WHERE version = (SELECT version FROM cur) AND $level = 'hlgt'
    UNION ALL
    SELECT hlt_name, hlt_code, false FROM meddra_hlt WHERE version = (SELECT version FROM cur) AND $level = 'hlt'
)
ORDER BY name

-- name: meddra_primary_soc
-- title: The primary SOC (and the HLGT and HLT of the primary path) of PTs, in the current MedDRA version
-- parameters: $pts
-- $pts: PT names in lower case. PTs that are not PTs of the current version are absent.
SELECT p.pt_name AS pt, p.pt_code, s.soc_name AS primary_soc, p.primary_soc_code, h.hlgt_name AS primary_hlgt,
       h.hlt_name AS primary_hlt
FROM meddra_pt p
LEFT JOIN meddra_soc s ON s.version = p.version AND s.soc_code = p.primary_soc_code
LEFT JOIN meddra_hierarchy h ON h.version = p.version AND h.pt_code = p.pt_code AND h.soc_code = p.primary_soc_code
WHERE p.version = (SELECT version FROM meddra_versions WHERE is_current) AND list_contains($pts, p.pt_key)
QUALIFY row_number() OVER (PARTITION BY p.pt_code ORDER BY h.is_primary_soc DESC NULLS LAST, h.hlt_code) = 1
ORDER BY pt

-- name: meddra_hierarchy_pts
-- title: The PTs under an HLT, HLGT or SOC of the current MedDRA version (every axis: primary and secondary)
-- parameters: $level, $term
-- $level is hlt, hlgt or soc; $term a term's name (any case) or code (a SOC also by its abbreviation).
SELECT DISTINCT p.pt_name AS pt
FROM meddra_hierarchy h
JOIN meddra_pt p ON p.version = h.version AND p.pt_code = h.pt_code
WHERE h.version = (SELECT version FROM meddra_versions WHERE is_current)
  AND CASE $level
      WHEN 'hlt' THEN lower(h.hlt_name) = lower(trim($term)) OR h.hlt_code::VARCHAR = trim($term)
      WHEN 'hlgt' THEN lower(h.hlgt_name) = lower(trim($term)) OR h.hlgt_code::VARCHAR = trim($term)
      WHEN 'soc' THEN lower(h.soc_name) = lower(trim($term)) OR h.soc_code::VARCHAR = trim($term)
                      OR lower(h.soc_abbrev) = lower(trim($term))
      ELSE false END
ORDER BY pt

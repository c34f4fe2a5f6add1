-- name: meddra_term_pt
-- title: The current version's PT of a term given by name: an LLT (current or not) maps to its PT; a PT to itself
-- parameters: $term (any case and spacing)
SELECT p.pt_name
FROM meddra_llt l
JOIN meddra_versions v ON v.version = l.version AND v.is_current
JOIN meddra_pt p ON p.version = l.version AND p.pt_code = l.pt_code
WHERE l.name_key = lower(regexp_replace(trim($term), '\s+', ' ', 'g'))
ORDER BY l.is_current DESC, p.pt_name
LIMIT 1

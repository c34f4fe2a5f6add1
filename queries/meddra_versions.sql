-- name: meddra_versions
-- title: MedDRA versions imported into the store (the current one first)
-- parameters: none
SELECT version, language, is_current, n_llt, n_pt, n_hlt, n_hlgt, n_soc, n_smq,
       date_trunc('second', imported_at) AS imported_at, source
FROM meddra_versions
ORDER BY is_current DESC, try_cast(string_split(version, '.') AS INTEGER[]) DESC NULLS LAST, version DESC

-- name: store_strata_bands
-- title: The age bands the kept strata (stratum_labels, pt_strata) were made with, by the last scoring
-- parameters: none
SELECT label, lo, hi FROM stratum_bands ORDER BY position

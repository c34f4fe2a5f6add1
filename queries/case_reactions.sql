-- name: case_reactions
-- title: One case: reactions (MedDRA PTs), outcomes and report sources
-- parameters: $caseid
SELECT 'reaction' AS kind, pt_name AS value FROM reactions WHERE caseid = $caseid::BIGINT
UNION ALL
SELECT 'outcome', outc_cod FROM outcomes WHERE caseid = $caseid::BIGINT
UNION ALL
SELECT 'report_source', rpsr_cod FROM report_sources WHERE caseid = $caseid::BIGINT
ORDER BY kind, value

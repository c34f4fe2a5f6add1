-- name: signal_strata
-- title: 2x2 cells of the selection by stratum (age band, sex, year received) and by period received, distinct current cases
-- parameters: $strata (which keys to use: any of 'age_band', 'sex', 'year'), $period ('', 'quarter' or 'year'),
--   $mask_ings, $mask_pts (ingredients and PTs whose cases leave the reference group: unmasking; empty lists: none)
-- One row per stratum and period with a, b, c, d; a key not asked for is NULL (one stratum). Missing values form
-- their own stratum ('unknown'); age bands come from filters.toml (bound by selection.bind()). Cases with no
-- received date have a NULL period. The crude 2x2 is the sum over the rows.
WITH masked AS (
    SELECT caseid FROM drug_ingredients
    WHERE ingredient IN (SELECT unnest($mask_ings::VARCHAR[]))
      AND (len(getvariable('f_e_roles')) = 0 OR list_contains(getvariable('f_e_roles'), role_cod))
    UNION
    SELECT caseid FROM reaction_index WHERE pt_key IN (SELECT unnest($mask_pts::VARCHAR[]))
),
keyed AS (
    SELECT CASE WHEN list_contains($strata::VARCHAR[], 'age_band') THEN age_band(p.age_years) END AS age_band,
           CASE WHEN list_contains($strata::VARCHAR[], 'sex') THEN coalesce(p.sex, 'unknown') END AS sex,
           CASE WHEN list_contains($strata::VARCHAR[], 'year')
                THEN coalesce(p.received_year::VARCHAR, 'unknown') END AS year,
           CASE $period::VARCHAR
                WHEN 'year' THEN strftime(p.received_date, '%Y')
                WHEN 'quarter' THEN strftime(p.received_date, '%Y') || 'Q' || quarter(p.received_date)::VARCHAR
           END AS period,
           p.caseid IN (SELECT caseid FROM _exposed) AS x,
           p.caseid IN (SELECT caseid FROM _event) AS v,
           (NOT getvariable('f_has_comparator') OR p.caseid IN (SELECT caseid FROM _comparator))
               AND p.caseid NOT IN (SELECT caseid FROM masked) AS r
    FROM population() p
)
SELECT age_band, sex, year, period,
       count(*) FILTER (WHERE x AND v) AS a,
       count(*) FILTER (WHERE x AND NOT v) AS b,
       count(*) FILTER (WHERE NOT x AND r AND v) AS c,
       count(*) FILTER (WHERE NOT x AND r AND NOT v) AS d
FROM keyed
WHERE x OR r
GROUP BY ALL
ORDER BY ALL

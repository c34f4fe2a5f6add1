-- name: signal_strata
-- title: 2x2 cells of the selection by stratum (age band, sex, year received) and by period received, distinct current cases
-- parameters: $strata (which keys to use: any of 'age_band', 'sex', 'year'), $period ('', 'quarter' or 'year'),
--   $mask_ings, $mask_pts (ingredients and PTs whose cases leave the reference group: unmasking; empty lists: none)
-- One row per stratum and period with a, b, c, d; a key not asked for is NULL (one stratum). Missing values form
-- their own stratum ('unknown'); age bands come from filters.toml (bound by selection.bind()). Cases with no
-- received date have a NULL period. The crude 2x2 is the sum over the rows.
WITH masked AS (SELECT caseid FROM masked_cases($mask_ings, $mask_pts)),
keyed AS (
    SELECT stratum_age_band($strata, p.age_years) AS age_band, stratum_sex($strata, p.sex) AS sex,
           stratum_year($strata, p.received_year) AS year,
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

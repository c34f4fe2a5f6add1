-- name: signal_strata
-- title: 2x2 cells of the selection by stratum (age band, sex, year received) and by period received, distinct current cases
-- parameters: $strata (which keys to use: any of 'age_band', 'sex', 'year'), $period ('', 'quarter' or 'year'),
--   $mask_ings, $mask_pts (ingredients and PTs whose cases leave the reference group: unmasking; empty lists: none)
-- One row per stratum and period with a, b, c, d; a key not asked for is NULL (one stratum). Missing values form
-- their own stratum ('unknown'); age bands come from filters.toml (bound by selection.bind()). Cases with no
-- received date have a NULL period. The crude 2x2 is the sum over the rows.
-- Needs selection.ensure_population_strata() first. Every exposed, event and comparator case of the population is
-- in _hits (materialize.sql), so a, b, c and, with a comparator, d come from _hits alone; without a comparator the
-- other cases of the population (no exposure, no event) are d: the population's count by stratum (_pop_strata)
-- less the stratum's hits and its masked cases outside _hits. The population is not scanned here unless masking.
WITH masked AS (SELECT DISTINCT caseid FROM masked_cases($mask_ings, $mask_pts)),
hits AS (
    SELECT stratum_age_band($strata, h.age_years) AS age_band, stratum_sex($strata, h.sex) AS sex,
           stratum_year($strata, h.received_year) AS year,
           received_period($period, h.received_date) AS period,
           h._x AS x, h._v AS v,
           (NOT getvariable('f_has_comparator') OR h._k) AND h.caseid NOT IN (SELECT caseid FROM masked) AS r
    FROM _hits h
),
hit_cells AS (
    SELECT age_band, sex, year, period,
           count(*) AS n_hits,
           count(*) FILTER (WHERE x AND v) AS a,
           count(*) FILTER (WHERE x AND NOT v) AS b,
           count(*) FILTER (WHERE NOT x AND r AND v) AS c,
           count(*) FILTER (WHERE NOT x AND r AND NOT v) AS d
    FROM hits GROUP BY ALL
),
-- without a comparator: the population by stratum, and its masked cases that are not hits
population_cells AS (
    SELECT CASE WHEN list_contains($strata::VARCHAR[], 'age_band') THEN age_band END AS age_band,
           stratum_sex($strata, sex) AS sex, stratum_year($strata, year) AS year,
           CASE $period::VARCHAR WHEN 'year' THEN left(quarter, 4) WHEN 'quarter' THEN quarter END AS period,
           sum(n) AS n
    FROM _pop_strata
    WHERE NOT getvariable('f_has_comparator')
      AND population_strata_current()
    GROUP BY ALL
),
masked_rest AS (
    SELECT stratum_age_band($strata, p.age_years) AS age_band, stratum_sex($strata, p.sex) AS sex,
           stratum_year($strata, p.received_year) AS year,
           received_period($period, p.received_date) AS period,
           count(*) AS n
    FROM population() p SEMI JOIN masked m ON p.caseid = m.caseid
    WHERE NOT getvariable('f_has_comparator') AND p.caseid NOT IN (SELECT caseid FROM _hits)
    GROUP BY ALL
),
cells AS (
    SELECT coalesce(h.age_band, pc.age_band) AS age_band, coalesce(h.sex, pc.sex) AS sex,
           coalesce(h.year, pc.year) AS year, coalesce(h.period, pc.period) AS period,
           coalesce(h.a, 0) AS a, coalesce(h.b, 0) AS b, coalesce(h.c, 0) AS c,
           coalesce(h.d, 0) + CASE WHEN getvariable('f_has_comparator') THEN 0
                                   ELSE coalesce(pc.n, 0) - coalesce(h.n_hits, 0) - coalesce(mr.n, 0) END AS d
    FROM hit_cells h
    FULL JOIN population_cells pc
      ON (h.age_band, h.sex, h.year, h.period) IS NOT DISTINCT FROM (pc.age_band, pc.sex, pc.year, pc.period)
    LEFT JOIN masked_rest mr
      ON (coalesce(h.age_band, pc.age_band), coalesce(h.sex, pc.sex), coalesce(h.year, pc.year),
          coalesce(h.period, pc.period)) IS NOT DISTINCT FROM (mr.age_band, mr.sex, mr.year, mr.period)
)
SELECT age_band, sex, year, period, a::BIGINT AS a, b::BIGINT AS b, c::BIGINT AS c, d::BIGINT AS d
FROM cells
WHERE a + b + c + d > 0
ORDER BY ALL

-- name: screen_events_strata
-- title: Screening for an exposure by stratum: 2x2 cells of every PT reported with it, per stratum
-- parameters: $strata (any of 'age_band', 'sex', 'year'), $mask_ings, $mask_pts (unmasking; empty lists: none)
-- One row per PT and stratum where the PT has a case (exposed or reference): the strata where it has none add
-- nothing to the expected count nor to the Mantel-Haenszel sums, but they hold exposed and reference cases, so the
-- crude 2x2 takes b and d from the totals n_exposed_all and n_reference_all. Keys and the reference group as in
-- signal_strata.
WITH masked AS (SELECT caseid FROM masked_cases($mask_ings, $mask_pts)),
keyed AS (
    SELECT p.caseid,
           stratum_age_band($strata, p.age_years) AS age_band, stratum_sex($strata, p.sex) AS sex,
           stratum_year($strata, p.received_year) AS year,
           p.caseid IN (SELECT caseid FROM _exposed) AS x,
           (NOT getvariable('f_has_comparator') OR p.caseid IN (SELECT caseid FROM _comparator))
               AND p.caseid NOT IN (SELECT caseid FROM masked) AS r
    FROM population() p
),
used AS (SELECT * FROM keyed WHERE x OR r),
margins AS (
    SELECT age_band, sex, year, count(*) FILTER (WHERE x) AS n_x, count(*) FILTER (WHERE NOT x) AS n_r
    FROM used GROUP BY ALL
),
pts AS (SELECT DISTINCT pt_key FROM reaction_index SEMI JOIN _exposed USING (caseid)),
cells AS (
    SELECT i.pt_key, u.age_band, u.sex, u.year,
           count(*) FILTER (WHERE u.x) AS a, count(*) FILTER (WHERE NOT u.x) AS c
    FROM reaction_index i JOIN used u USING (caseid)
    WHERE i.pt_key IN (SELECT pt_key FROM pts)
    GROUP BY ALL
)
SELECT c.pt_key, v.pt_name AS pt, c.age_band, c.sex, c.year, c.a, m.n_x - c.a AS b, c.c, m.n_r - c.c AS d,
       (SELECT sum(n_x) FROM margins) AS n_exposed_all, (SELECT sum(n_r) FROM margins) AS n_reference_all
FROM cells c
LEFT JOIN pt_vocab v ON v.pt_key = c.pt_key
JOIN margins m ON (m.age_band, m.sex, m.year) IS NOT DISTINCT FROM (c.age_band, c.sex, c.year)
ORDER BY c.pt_key, c.age_band, c.sex, c.year

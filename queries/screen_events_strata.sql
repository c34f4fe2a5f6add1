-- name: screen_events_strata
-- title: Screening for an exposure by stratum: 2x2 cells of every PT reported with it, per stratum
-- parameters: $strata (any of 'age_band', 'sex', 'year'), $mask_ings, $mask_pts (unmasking; empty lists: none)
-- One row per PT and stratum where the PT has a case (exposed or reference): the strata where it has none add
-- nothing to the expected count nor to the Mantel-Haenszel sums, but they hold exposed and reference cases, so the
-- crude 2x2 takes b and d from the totals n_exposed_all and n_reference_all. Keys and the reference group as in
-- signal_strata.
WITH masked AS (
    SELECT caseid FROM drug_ingredients
    WHERE ingredient IN (SELECT unnest($mask_ings::VARCHAR[]))
      AND (len(getvariable('f_e_roles')) = 0 OR list_contains(getvariable('f_e_roles'), role_cod))
    UNION
    SELECT caseid FROM reaction_index WHERE pt_key IN (SELECT unnest($mask_pts::VARCHAR[]))
),
keyed AS (
    SELECT p.caseid,
           CASE WHEN list_contains($strata::VARCHAR[], 'age_band') THEN age_band(p.age_years) END AS age_band,
           CASE WHEN list_contains($strata::VARCHAR[], 'sex') THEN coalesce(p.sex, 'unknown') END AS sex,
           CASE WHEN list_contains($strata::VARCHAR[], 'year')
                THEN coalesce(p.received_year::VARCHAR, 'unknown') END AS year,
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
JOIN margins m
  ON m.age_band IS NOT DISTINCT FROM c.age_band AND m.sex IS NOT DISTINCT FROM c.sex
 AND m.year IS NOT DISTINCT FROM c.year
ORDER BY c.pt_key, c.age_band, c.sex, c.year

-- name: signal_strata_sets
-- title: 2x2 cells by stratum of several events at once for the bound exposure, comparator and filters (case counts)
-- parameters: $set_names (one name per event), $set_pts (each event's PTs, lower case; a list per name, same order),
--   $strata (any of 'age_band', 'sex', 'year')
-- For each name, the rows signal_strata gives (no period, no unmasking) when that event is the bound one, found in
-- one pass instead of a bind per event (a stratified screening's event groups). Every stratum with an exposed or a
-- reference case has a row for every name. Needs selection.ensure_population_strata() first.
WITH g AS (SELECT unnest($set_names::VARCHAR[]) AS name, unnest($set_pts::VARCHAR[][]) AS pts),
     gp AS (SELECT DISTINCT name, unnest(pts) AS pt_key FROM g),
     hit AS (SELECT DISTINCT gp.name, ri.caseid FROM reaction_index ri JOIN gp ON ri.pt_key = gp.pt_key),
     keyed AS (
         SELECT hit.name, stratum_age_band($strata, p.age_years) AS age_band, stratum_sex($strata, p.sex) AS sex,
                stratum_year($strata, p.received_year) AS year,
                hit.caseid IN (SELECT caseid FROM _exposed) AS x,
                NOT getvariable('f_has_comparator') OR hit.caseid IN (SELECT caseid FROM _comparator) AS r
         FROM hit JOIN population() p ON p.caseid = hit.caseid
     ),
     cells AS (
         SELECT name, age_band, sex, year, count(*) FILTER (WHERE x) AS a, count(*) FILTER (WHERE NOT x AND r) AS c
         FROM keyed GROUP BY ALL
     ),
     -- the exposed and the reference cases by stratum: from _hits, and without a comparator from the population's
     -- counts less the exposed
     hits_by_stratum AS (
         SELECT stratum_age_band($strata, h.age_years) AS age_band, stratum_sex($strata, h.sex) AS sex,
                stratum_year($strata, h.received_year) AS year,
                count(*) FILTER (WHERE h._x) AS n_x, count(*) FILTER (WHERE h._k AND NOT h._x) AS n_k
         FROM _hits h GROUP BY ALL
     ),
     population_by_stratum AS (
         SELECT CASE WHEN list_contains($strata::VARCHAR[], 'age_band') THEN age_band END AS age_band,
                stratum_sex($strata, sex) AS sex, stratum_year($strata, year) AS year, sum(n)::BIGINT AS n
         FROM _pop_strata
         WHERE NOT getvariable('f_has_comparator')
           AND population_strata_current()
         GROUP BY ALL
     ),
     margins AS (
         SELECT coalesce(h.age_band, p.age_band) AS age_band, coalesce(h.sex, p.sex) AS sex,
                coalesce(h.year, p.year) AS year, coalesce(h.n_x, 0) AS n_x,
                CASE WHEN getvariable('f_has_comparator') THEN coalesce(h.n_k, 0)
                     ELSE coalesce(p.n, 0) - coalesce(h.n_x, 0) END AS n_r
         FROM hits_by_stratum h
         FULL JOIN population_by_stratum p
           ON (h.age_band, h.sex, h.year) IS NOT DISTINCT FROM (p.age_band, p.sex, p.year)
     )
SELECT g.name, m.age_band, m.sex, m.year, coalesce(c.a, 0)::BIGINT AS a, (m.n_x - coalesce(c.a, 0))::BIGINT AS b,
       coalesce(c.c, 0)::BIGINT AS c, (m.n_r - coalesce(c.c, 0))::BIGINT AS d
FROM g CROSS JOIN margins m
LEFT JOIN cells c ON c.name = g.name AND (c.age_band, c.sex, c.year) IS NOT DISTINCT FROM (m.age_band, m.sex, m.year)
WHERE m.n_x + m.n_r > 0
ORDER BY g.name, m.age_band, m.sex, m.year

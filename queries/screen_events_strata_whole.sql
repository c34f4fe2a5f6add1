-- name: screen_events_strata_whole
-- title: Screening for an exposure by stratum when nothing is filtered: screen_events_strata from the kept counts
-- parameters: $strata (any of 'age_band', 'sex', 'year')
-- The same rows as screen_events_strata for a selection with no filter, no comparator and no unmasking (the
-- reference group is every case not exposed), but each PT's cases by stratum come from pt_strata (kept by the
-- last scoring, with the age bands of filters.toml: analysis checks them) and the population's from _pop_strata
-- (selection.ensure_population_strata); only the exposed cases (_hits) are read case by case.
WITH keyed AS (
    SELECT caseid, stratum_age_band($strata, age_years) AS age_band, stratum_sex($strata, sex) AS sex,
           stratum_year($strata, received_year) AS year
    FROM _hits WHERE _x
),
exposed_by_stratum AS (SELECT age_band, sex, year, count(*) AS n_x FROM keyed GROUP BY ALL),
population_by_stratum AS (
    SELECT CASE WHEN list_contains($strata::VARCHAR[], 'age_band') THEN age_band END AS age_band,
           stratum_sex($strata, sex) AS sex, stratum_year($strata, year) AS year, sum(n)::BIGINT AS n
    FROM _pop_strata
    WHERE population_strata_current()
    GROUP BY ALL
),
margins AS (
    SELECT p.age_band, p.sex, p.year, coalesce(x.n_x, 0) AS n_x, p.n - coalesce(x.n_x, 0) AS n_r
    FROM population_by_stratum p
    LEFT JOIN exposed_by_stratum x ON (x.age_band, x.sex, x.year) IS NOT DISTINCT FROM (p.age_band, p.sex, p.year)
),
exposed_pt AS (
    SELECT ri.pt_key, k.age_band, k.sex, k.year, count(*) AS a
    FROM reaction_index ri JOIN keyed k USING (caseid) GROUP BY ALL
),
labels AS (
    SELECT s, CASE WHEN list_contains($strata::VARCHAR[], 'age_band') THEN age_band END AS age_band,
           stratum_sex($strata, sex) AS sex, stratum_year($strata, year) AS year
    FROM stratum_labels
),
pt_population AS (
    SELECT ps.pt_key, l.age_band, l.sex, l.year, sum(ps.n_cases)::BIGINT AS n
    FROM pt_strata ps SEMI JOIN (SELECT DISTINCT pt_key FROM exposed_pt) e ON ps.pt_key = e.pt_key
    JOIN labels l USING (s)
    GROUP BY ALL
),
cells AS (
    SELECT p.pt_key, p.age_band, p.sex, p.year, coalesce(e.a, 0) AS a, p.n - coalesce(e.a, 0) AS c
    FROM pt_population p
    LEFT JOIN exposed_pt e
      ON (e.pt_key, e.age_band, e.sex, e.year) IS NOT DISTINCT FROM (p.pt_key, p.age_band, p.sex, p.year)
)
SELECT c.pt_key, v.pt_name AS pt, c.age_band, c.sex, c.year, c.a, m.n_x - c.a AS b, c.c, m.n_r - c.c AS d,
       (SELECT sum(n_x) FROM margins) AS n_exposed_all, (SELECT sum(n_r) FROM margins) AS n_reference_all
FROM cells c
LEFT JOIN pt_vocab v ON v.pt_key = c.pt_key
JOIN margins m ON (m.age_band, m.sex, m.year) IS NOT DISTINCT FROM (c.age_band, c.sex, c.year)
ORDER BY c.pt_key, c.age_band, c.sex, c.year

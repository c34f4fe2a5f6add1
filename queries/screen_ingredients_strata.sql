-- name: screen_ingredients_strata
-- title: Screening for an event by stratum: 2x2 cells of every ingredient (in the exposure's roles) reported with it, per stratum
-- parameters: $strata (any of 'age_band', 'sex', 'year')
-- One row per ingredient and stratum where the ingredient has a case; the strata where it has none add nothing to
-- the expected count nor to the Mantel-Haenszel sums, but they hold cases, so the crude 2x2 takes c and d from the
-- totals n_event_all and n_all. The reference group of each ingredient is every other case
-- of the population, as in screen_ingredients. Keys as in signal_strata.
WITH keyed AS (
    SELECT p.caseid,
           stratum_age_band($strata, p.age_years) AS age_band, stratum_sex($strata, p.sex) AS sex,
           stratum_year($strata, p.received_year) AS year,
           p.caseid IN (SELECT caseid FROM _event) AS v
    FROM population() p
),
margins AS (
    SELECT age_band, sex, year, count(*) AS n, count(*) FILTER (WHERE v) AS n_v FROM keyed GROUP BY ALL
),
exposed AS (
    SELECT DISTINCT i.ingredient, i.caseid FROM drug_ingredients i
    WHERE (len(getvariable('f_e_roles')) = 0 OR list_contains(getvariable('f_e_roles'), i.role_cod))
),
cells AS (
    SELECT x.ingredient, k.age_band, k.sex, k.year, count(*) AS n_x, count(*) FILTER (WHERE k.v) AS a
    FROM exposed x JOIN keyed k USING (caseid)
    GROUP BY ALL
),
reported AS (SELECT ingredient FROM cells GROUP BY ingredient HAVING sum(a) > 0)
SELECT c.ingredient, c.age_band, c.sex, c.year, c.a, c.n_x - c.a AS b, m.n_v - c.a AS c,
       m.n - c.n_x - m.n_v + c.a AS d,
       (SELECT sum(n_v) FROM margins) AS n_event_all, (SELECT sum(n) FROM margins) AS n_all
FROM cells c
SEMI JOIN reported r ON r.ingredient = c.ingredient
JOIN margins m ON (m.age_band, m.sex, m.year) IS NOT DISTINCT FROM (c.age_band, c.sex, c.year)
ORDER BY c.ingredient, c.age_band, c.sex, c.year

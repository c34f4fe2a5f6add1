-- The stratum of every current case for the whole-database stratified screening (build.py, _score_pairs): age band
-- (filters.toml's bands, bound as $labels, $los, $his; 'unknown' without an age), sex ('unknown' when missing) and
-- year received ('unknown' when missing), numbered 0..S-1. Statements are separated by ";\n\n".
CREATE OR REPLACE TEMP TABLE case_strata AS
WITH keyed AS (
    SELECT c.caseid, coalesce(b.label, 'unknown') AS age_band, coalesce(c.sex, 'unknown') AS sex,
           coalesce(c.received_year::VARCHAR, 'unknown') AS year
    FROM cases c
    LEFT JOIN (SELECT unnest($labels::VARCHAR[]) AS label, unnest($los::DOUBLE[]) AS lo,
                      unnest($his::DOUBLE[]) AS hi) b
           ON c.age_years >= b.lo AND c.age_years < b.hi
)
SELECT caseid, (dense_rank() OVER (ORDER BY age_band, sex, year) - 1)::INTEGER AS s FROM keyed;

-- Cases of each ingredient (suspect roles PS/SS), of each PT, and in all, per stratum: the margins of every pair's
-- stratified 2x2 (a pair's expected count is the sum over strata of n_ingredient * n_pt / n).
CREATE OR REPLACE TEMP TABLE ingredient_strata AS
SELECT di.ingredient, cs.s, count(*) AS n_cases
FROM (SELECT DISTINCT caseid, ingredient FROM drug_ingredients WHERE role_cod IN ('PS', 'SS')) di
JOIN case_strata cs USING (caseid)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE pt_strata AS
SELECT r.pt_key, cs.s, count(*) AS n_cases FROM reaction_index r JOIN case_strata cs USING (caseid) GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE stratum_sizes AS
SELECT s, count(*) AS n_cases FROM case_strata GROUP BY s

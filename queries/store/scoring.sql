-- The scoring of every ingredient-PT pair after a build or an update (explorer/scoring.py): named steps.
--
-- The stratum of every current case for the whole-database stratified screening: age band
-- (filters.toml's bands, bound as $labels, $los, $his; 'unknown' without an age), sex ('unknown' when missing) and
-- year received ('unknown' when missing), numbered 0..S-1; and whether the case is serious. Named steps, run in
-- order.
-- step: case_keys
CREATE OR REPLACE TEMP MACRO case_keys(labels, los, his) AS TABLE
SELECT c.caseid, coalesce(b.label, 'unknown') AS age_band, coalesce(c.sex, 'unknown') AS sex,
       coalesce(c.received_year::VARCHAR, 'unknown') AS year, c.is_serious
FROM cases c
LEFT JOIN (SELECT unnest(labels::VARCHAR[]) AS label, unnest(los::DOUBLE[]) AS lo, unnest(his::DOUBLE[]) AS hi) b
       ON c.age_years >= b.lo AND c.age_years < b.hi;

-- step: stratum_bands
-- The age bands the strata were made with (kept: screening reads pt_strata only while filters.toml has them).
CREATE OR REPLACE TABLE stratum_bands AS
SELECT unnest(generate_series(1, len($labels::VARCHAR[]))) AS position, unnest($labels::VARCHAR[]) AS label,
       unnest($los::DOUBLE[]) AS lo, unnest($his::DOUBLE[]) AS hi;

-- step: case_label_keys
-- Each current case's stratum keys, once (the kept counts by keys below are made from it).
CREATE OR REPLACE TEMP TABLE case_label_keys AS SELECT * FROM case_keys($labels, $los, $his);

-- step: strata_case_labels
-- Kept in the store, by stratum keys (age band, sex, year received): the current cases, each suspect ingredient's
-- cases (roles PS/SS) and each PT's cases by seriousness. An incremental load adds the touched cases' differences to
-- them (merge_strata_* below, from the deltas of queries/store/update.sql) instead of counting every case again;
-- the numbered tables below are made from them either way.
CREATE OR REPLACE TABLE strata_case_labels AS
SELECT age_band, sex, year, count(*) AS n_cases FROM case_label_keys GROUP BY ALL;

-- step: strata_ingredient_labels
CREATE OR REPLACE TABLE strata_ingredient_labels AS
SELECT di.ingredient, k.age_band, k.sex, k.year, count(*) AS n_cases
FROM (SELECT DISTINCT caseid, ingredient FROM drug_ingredients WHERE role_cod IN ('PS', 'SS')) di
JOIN case_label_keys k USING (caseid)
GROUP BY ALL;

-- step: strata_pt_labels
CREATE OR REPLACE TABLE strata_pt_labels AS
SELECT r.pt_key, k.age_band, k.sex, k.year, k.is_serious, count(*) AS n_cases
FROM reaction_index r JOIN case_label_keys k USING (caseid)
GROUP BY ALL;

-- step: strata_deltas_ready
-- Whether this connection holds the touched cases' differences (an incremental load made them: update.sql) and
-- the store the age bands they were made with.
SELECT (SELECT count(*) FROM duckdb_tables() WHERE temporary
          AND table_name IN ('delta_strata_cases', 'delta_strata_ingredients', 'delta_strata_pts')) = 3
       AND coalesce((SELECT list(label ORDER BY position) = $labels::VARCHAR[]
                            AND list(lo ORDER BY position) = $los::DOUBLE[]
                            AND list(hi ORDER BY position) = $his::DOUBLE[] FROM stratum_bands), false);

-- step: merge_strata_case_labels
-- An incremental load: the kept counts plus the touched cases' differences (delta_strata_*, update.sql); a key
-- left without a case goes, as it would be absent from a count of every case.
CREATE OR REPLACE TABLE strata_case_labels AS
SELECT age_band, sex, year, sum(n_cases)::BIGINT AS n_cases FROM (
    SELECT age_band, sex, year, n_cases FROM strata_case_labels
    UNION ALL SELECT age_band, sex, year, n FROM delta_strata_cases
) GROUP BY ALL HAVING sum(n_cases) > 0;

-- step: merge_strata_ingredient_labels
CREATE OR REPLACE TABLE strata_ingredient_labels AS
SELECT ingredient, age_band, sex, year, sum(n_cases)::BIGINT AS n_cases FROM (
    SELECT ingredient, age_band, sex, year, n_cases FROM strata_ingredient_labels
    UNION ALL SELECT ingredient, age_band, sex, year, n FROM delta_strata_ingredients
) GROUP BY ALL HAVING sum(n_cases) > 0;

-- step: merge_strata_pt_labels
CREATE OR REPLACE TABLE strata_pt_labels AS
SELECT pt_key, age_band, sex, year, is_serious, sum(n_cases)::BIGINT AS n_cases FROM (
    SELECT pt_key, age_band, sex, year, is_serious, n_cases FROM strata_pt_labels
    UNION ALL SELECT pt_key, age_band, sex, year, is_serious, n FROM delta_strata_pts
) GROUP BY ALL HAVING sum(n_cases) > 0;

-- step: stratum_labels
-- Each stratum's number and keys: the keys with at least one current case, numbered in order.
CREATE OR REPLACE TABLE stratum_labels AS
SELECT (dense_rank() OVER (ORDER BY age_band, sex, year) - 1)::INTEGER AS s, age_band, sex, year
FROM strata_case_labels;

-- step: ingredient_strata
-- Cases of each ingredient (suspect roles PS/SS), of each PT, and in all, per stratum: the margins of every pair's
-- stratified 2x2 (a pair's expected count is the sum over strata of n_ingredient * n_pt / n).
CREATE OR REPLACE TEMP TABLE ingredient_strata AS
SELECT i.ingredient, l.s, i.n_cases::BIGINT AS n_cases
FROM strata_ingredient_labels i JOIN stratum_labels l USING (age_band, sex, year);

-- step: pt_strata_serious
-- Kept in the store: each PT's cases by stratum and seriousness. A screening whose filters are whole strata (sex,
-- age bands, whole years received) and seriousness takes each PT's count in its population from it
-- (selection.ensure_population_pts) instead of matching every PT row of the index to the population.
CREATE OR REPLACE TABLE pt_strata_serious AS
SELECT p.pt_key, l.s, p.is_serious, p.n_cases::BIGINT AS n_cases
FROM strata_pt_labels p JOIN stratum_labels l USING (age_band, sex, year);

-- step: pt_strata
-- Kept in the store: an unfiltered stratified screening takes each PT's cases by stratum from it.
CREATE OR REPLACE TABLE pt_strata AS
SELECT pt_key, s, sum(n_cases)::BIGINT AS n_cases FROM pt_strata_serious GROUP BY ALL;

-- step: drop_kept_strata
-- A scoring without strata (a pair table without the model's case tables) keeps none.
DROP TABLE IF EXISTS pt_strata; DROP TABLE IF EXISTS pt_strata_serious; DROP TABLE IF EXISTS stratum_labels;
DROP TABLE IF EXISTS stratum_bands; DROP TABLE IF EXISTS strata_case_labels; DROP TABLE IF EXISTS strata_ingredient_labels;
DROP TABLE IF EXISTS strata_pt_labels;

-- step: stratum_sizes
CREATE OR REPLACE TEMP TABLE stratum_sizes AS
SELECT l.s, c.n_cases FROM strata_case_labels c JOIN stratum_labels l USING (age_band, sex, year)

-- step: pair_table
-- Every pair's 2x2 margins, sorted: the prior's fit sums over pairs, and a fixed order gives the same sum however
-- the counts were reached (a full build or an update).
SELECT ingredient, pt_key, a, n_ingredient, n_pt, n FROM pair_counts ORDER BY ingredient, pt_key;

-- step: read_stratum_sizes
SELECT s, n_cases FROM stratum_sizes;

-- step: read_ingredient_strata
SELECT ingredient, s, n_cases FROM ingredient_strata;

-- step: read_pt_strata
SELECT pt_key, s, n_cases FROM pt_strata;

-- step: count_strata
SELECT count(*) FROM stratum_sizes;

-- step: store_prior_crude
CREATE OR REPLACE TABLE ebgm_prior AS
SELECT $a1 AS alpha1, $b1 AS beta1, $a2 AS alpha2, $b2 AS beta2, $p AS p, $pairs AS n_pairs,
       $converged AS converged, $at_bound AS at_bound, $starts AS starts, $agreeing AS starts_agreeing,
       $ll AS log_likelihood, 'PS,SS' AS roles, $expected AS expected_count, now()::TIMESTAMP AS fitted_at;

-- step: store_prior_stratified
CREATE OR REPLACE TABLE ebgm_prior_stratified AS
SELECT $a1 AS alpha1, $b1 AS beta1, $a2 AS alpha2, $b2 AS beta2, $p AS p, $pairs AS n_pairs,
       $converged AS converged, $at_bound AS at_bound, $starts AS starts, $agreeing AS starts_agreeing,
       $ll AS log_likelihood, 'PS,SS' AS roles, $expected AS expected_count, now()::TIMESTAMP AS fitted_at;

-- step: create_signal_pairs
-- Every pair's cells and measures (explorer.scoring.SIGNAL_COLUMNS, in that order after the keys).
CREATE OR REPLACE TABLE signal_pairs (
    ingredient VARCHAR, pt_key VARCHAR, pt_name VARCHAR,
    a DOUBLE, b DOUBLE, c DOUBLE, d DOUBLE, expected DOUBLE, prr DOUBLE, prr_lower DOUBLE, prr_upper DOUBLE,
    chi2_yates DOUBLE, evans BOOLEAN, ror DOUBLE, ror_lower DOUBLE, ror_upper DOUBLE, ic DOUBLE, ic025 DOUBLE,
    ic975 DOUBLE, ebgm DOUBLE, eb05 DOUBLE, eb95 DOUBLE, expected_stratified DOUBLE, ebgm_stratified DOUBLE,
    eb05_stratified DOUBLE, eb95_stratified DOUBLE
);

-- step: insert_scored
-- One chunk of scored pairs (the registered frame "scored", its columns in signal_pairs' order) with the PT name.
INSERT INTO signal_pairs
SELECT s.ingredient, s.pt_key, n.pt_name, s.* EXCLUDE (ingredient, pt_key)
FROM scored s LEFT JOIN pt_vocab n USING (pt_key);

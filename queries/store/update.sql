-- Named statements of the store's build besides core.sql: the kept vocabulary counts and maps (both paths), and the
-- incremental update of the model after new quarters (explorer/store/update.py). Each step is run by
-- name with its values bound ($since: the oldest of the new quarters; every new quarter is newer than every quarter
-- loaded before, so "quarter >= $since" selects exactly the new raw rows). The rows of each model table come from
-- core.sql's *_rows macros: an update writes what a full build would write for the cases it touches.

-- step: drug_name_counts
-- Every (drugname, prod_ai) of the raw DRUG rows with its number of rows: what the ingredient resolver learns from.
CREATE OR REPLACE TABLE drug_name_counts AS
SELECT drugname, prod_ai, count(*) AS n_rows FROM raw_drug
WHERE drugname IS NOT NULL OR prod_ai IS NOT NULL
GROUP BY ALL;

-- step: drug_routes
CREATE OR REPLACE TABLE drug_routes AS SELECT DISTINCT route FROM raw_drug WHERE route IS NOT NULL;

-- step: vocab_routes
SELECT route FROM drug_routes ORDER BY route;

-- step: vocab_prod_ais
SELECT DISTINCT prod_ai FROM drug_name_counts WHERE prod_ai IS NOT NULL ORDER BY prod_ai;

-- step: vocab_coded_names
SELECT drugname, prod_ai, n_rows FROM drug_name_counts
WHERE drugname IS NOT NULL AND prod_ai IS NOT NULL ORDER BY drugname, prod_ai;

-- step: vocab_uncoded_names
SELECT drugname FROM drug_name_counts WHERE drugname IS NOT NULL AND prod_ai IS NULL ORDER BY drugname;

-- step: create_maps
CREATE OR REPLACE TABLE route_map (route VARCHAR, route_canonical VARCHAR);
CREATE OR REPLACE TABLE prod_ai_map (prod_ai VARCHAR, ingredients VARCHAR[]);
CREATE OR REPLACE TABLE drugname_map (drugname VARCHAR, ingredients VARCHAR[]);

-- step: insert_route_map
INSERT INTO route_map SELECT route, route_canonical FROM vocab_batch;

-- step: insert_prod_ai_map
INSERT INTO prod_ai_map SELECT prod_ai, ingredients::VARCHAR[] FROM vocab_batch;

-- step: insert_drugname_map
INSERT INTO drugname_map SELECT drugname, ingredients::VARCHAR[] FROM vocab_batch;

-- step: newest_quarter
SELECT max(quarter) FROM load_log WHERE table_name = 'demo';

-- step: add_drug_name_counts
CREATE OR REPLACE TABLE drug_name_counts AS
SELECT drugname, prod_ai, sum(n_rows)::BIGINT AS n_rows
FROM (
    SELECT drugname, prod_ai, n_rows FROM drug_name_counts
    UNION ALL
    SELECT drugname, prod_ai, count(*) FROM raw_drug
    WHERE quarter >= $since AND (drugname IS NOT NULL OR prod_ai IS NOT NULL) GROUP BY ALL
)
GROUP BY ALL;

-- step: add_drug_routes
CREATE OR REPLACE TABLE drug_routes AS
SELECT route FROM drug_routes
UNION
SELECT route FROM raw_drug WHERE quarter >= $since AND route IS NOT NULL;

-- step: add_pt_spellings
CREATE OR REPLACE TABLE pt_spellings AS
SELECT pt, sum(n_rows)::BIGINT AS n_rows
FROM (
    SELECT pt, n_rows FROM pt_spellings
    UNION ALL
    SELECT pt, count(*) FROM raw_reac WHERE quarter >= $since AND pt IS NOT NULL GROUP BY ALL
)
GROUP BY ALL;

-- step: old_maps
-- The vocabulary maps before the update, to find the names that map differently after it.
CREATE OR REPLACE TEMP TABLE old_maps AS
SELECT 'route' AS kind, route AS name, [route_canonical] AS ingredients FROM route_map
UNION ALL SELECT 'prod_ai', prod_ai, ingredients FROM prod_ai_map
UNION ALL SELECT 'drugname', drugname, ingredients FROM drugname_map;

-- step: changed_maps
-- Names mapped differently (or newly, or no longer) once the quarter is added: more coded rows can teach the
-- resolver a product name, and a new prod_ai can make an ingredient known.
CREATE OR REPLACE TEMP TABLE changed_maps AS
WITH new_maps AS (
    SELECT 'route' AS kind, route AS name, [route_canonical] AS ingredients FROM route_map
    UNION ALL SELECT 'prod_ai', prod_ai, ingredients FROM prod_ai_map
    UNION ALL SELECT 'drugname', drugname, ingredients FROM drugname_map
)
SELECT DISTINCT kind, name FROM (
    SELECT o.kind, o.name FROM old_maps o
    LEFT JOIN new_maps n ON n.kind = o.kind AND n.name = o.name
    WHERE n.ingredients IS DISTINCT FROM o.ingredients
    UNION ALL
    SELECT n.kind, n.name FROM new_maps n
    LEFT JOIN old_maps o ON o.kind = n.kind AND o.name = n.name
    WHERE o.ingredients IS DISTINCT FROM n.ingredients
);

-- step: touched_cases
-- The cases the update recomputes: every case of the new DEMO rows; every case with a DEMO row under one of their
-- primaryids (a copy shipped again); every case of the new deleted lists; every current case with a drug row whose
-- name maps differently now.
CREATE OR REPLACE TEMP TABLE touched_cases AS
WITH new_demo AS (
    SELECT quarter < getvariable('first_faers_quarter') AS is_laers, primaryid, try_cast(trim(caseid) AS BIGINT) AS caseid
    FROM raw_demo WHERE quarter >= $since
)
SELECT DISTINCT caseid FROM (
    SELECT caseid FROM new_demo
    UNION ALL
    SELECT try_cast(trim(d.caseid) AS BIGINT) FROM raw_demo d
    SEMI JOIN new_demo n ON n.is_laers = (d.quarter < getvariable('first_faers_quarter')) AND n.primaryid = d.primaryid
    UNION ALL
    SELECT try_cast(trim(caseid) AS BIGINT) FROM raw_deleted WHERE quarter >= $since
    UNION ALL
    SELECT d.caseid FROM drugs d JOIN changed_maps m ON m.kind = 'route' AND m.name = d.route
    UNION ALL
    SELECT d.caseid FROM drugs d JOIN changed_maps m ON m.kind = 'prod_ai' AND m.name = d.prod_ai
    UNION ALL
    SELECT d.caseid FROM drugs d JOIN changed_maps m ON m.kind = 'drugname' AND m.name = d.drugname
)
WHERE caseid IS NOT NULL;

-- step: version_source
-- Every DEMO row of every primaryid of the touched cases (all its copies: version_rows keeps the latest).
CREATE OR REPLACE TEMP TABLE version_source AS
WITH scope AS (
    SELECT DISTINCT quarter < getvariable('first_faers_quarter') AS is_laers, primaryid FROM raw_demo
    WHERE try_cast(trim(caseid) AS BIGINT) IN (SELECT caseid FROM touched_cases)
)
SELECT d.* FROM raw_demo d SEMI JOIN scope s ON s.is_laers = (d.quarter < getvariable('first_faers_quarter')) AND s.primaryid = d.primaryid;

-- step: create_deltas
CREATE OR REPLACE TEMP TABLE delta_pairs (ingredient VARCHAR, pt_key VARCHAR, a BIGINT);
CREATE OR REPLACE TEMP TABLE delta_suspects (ingredient VARCHAR, n_cases BIGINT);
CREATE OR REPLACE TEMP TABLE delta_ingredient_vocab (ingredient VARCHAR, n BIGINT);
CREATE OR REPLACE TEMP TABLE delta_route_vocab (route_canonical VARCHAR, n BIGINT);
CREATE OR REPLACE TEMP TABLE delta_pt_vocab (pt_key VARCHAR, n BIGINT);
CREATE OR REPLACE TEMP TABLE delta_collapsed (drug_rows BIGINT, reac_rows BIGINT);
CREATE OR REPLACE TEMP TABLE dup_blocks (event_date DATE, age_years DOUBLE, sex VARCHAR, country VARCHAR);

-- step: touched_rows
-- The model rows of the touched cases, as they stand (before the update: what leaves; after: what comes in).
CREATE OR REPLACE TEMP TABLE touched_di AS
SELECT caseid, ingredient, role_cod FROM drug_ingredients WHERE caseid IN (SELECT caseid FROM touched_cases);
CREATE OR REPLACE TEMP TABLE touched_ri AS
SELECT pt_key, caseid FROM reaction_index WHERE caseid IN (SELECT caseid FROM touched_cases);
CREATE OR REPLACE TEMP TABLE touched_reports AS
SELECT caseid, primaryid, quarter FROM cases WHERE caseid IN (SELECT caseid FROM touched_cases);

-- step: strata_kept
-- Whether the store keeps the counts by stratum keys that an incremental scoring adjusts (scoring.sql): the deltas
-- below are made only then.
SELECT count(*) = 4 FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main'
  AND table_name IN ('stratum_bands', 'strata_case_labels', 'strata_ingredient_labels', 'strata_pt_labels');

-- step: create_strata_deltas
CREATE OR REPLACE TEMP TABLE delta_strata_cases (age_band VARCHAR, sex VARCHAR, year VARCHAR, n BIGINT);
CREATE OR REPLACE TEMP TABLE delta_strata_ingredients (ingredient VARCHAR, age_band VARCHAR, sex VARCHAR, year VARCHAR,
                                                       n BIGINT);
CREATE OR REPLACE TEMP TABLE delta_strata_pts (pt_key VARCHAR, age_band VARCHAR, sex VARCHAR, year VARCHAR,
                                               is_serious BOOLEAN, n BIGINT);

-- step: touched_strata_keys
-- The touched cases' stratum keys, with the age bands the kept counts were made with (stratum_bands), as
-- scoring.sql's case_keys makes them for every case.
CREATE OR REPLACE TEMP TABLE touched_keys AS
SELECT c.caseid, coalesce(b.label, 'unknown') AS age_band, coalesce(c.sex, 'unknown') AS sex,
       coalesce(c.received_year::VARCHAR, 'unknown') AS year, c.is_serious
FROM cases c LEFT JOIN stratum_bands b ON c.age_years >= b.lo AND c.age_years < b.hi
WHERE c.caseid IN (SELECT caseid FROM touched_cases);

-- step: delta_strata_cases
INSERT INTO delta_strata_cases SELECT age_band, sex, year, $sign * count(*) FROM touched_keys GROUP BY ALL;

-- step: delta_strata_ingredients
INSERT INTO delta_strata_ingredients
SELECT di.ingredient, k.age_band, k.sex, k.year, $sign * count(*)
FROM (SELECT DISTINCT caseid, ingredient FROM touched_di WHERE role_cod IN ('PS', 'SS')) di
JOIN touched_keys k USING (caseid)
GROUP BY ALL;

-- step: delta_strata_pts
INSERT INTO delta_strata_pts
SELECT r.pt_key, k.age_band, k.sex, k.year, k.is_serious, $sign * count(*)
FROM touched_ri r JOIN touched_keys k USING (caseid)
GROUP BY ALL;

-- step: delta_pairs
INSERT INTO delta_pairs SELECT ingredient, pt_key, $sign * a FROM pair_rows('touched_di', 'touched_ri');

-- step: delta_suspects
INSERT INTO delta_suspects SELECT ingredient, $sign * n_cases FROM suspect_rows('touched_di');

-- step: delta_ingredient_vocab
INSERT INTO delta_ingredient_vocab SELECT ingredient, $sign * count(*) FROM touched_di GROUP BY ALL;

-- step: delta_route_vocab
INSERT INTO delta_route_vocab
SELECT route_canonical, $sign * count(*) FROM drugs
WHERE caseid IN (SELECT caseid FROM touched_cases) AND route_canonical IS NOT NULL
GROUP BY ALL;

-- step: delta_pt_vocab
INSERT INTO delta_pt_vocab SELECT pt_key, $sign * count(*) FROM touched_ri GROUP BY ALL;

-- step: delta_collapsed
-- The raw DRUG and REAC rows of the touched cases' current reports, less the model rows they became.
INSERT INTO delta_collapsed
SELECT $sign * ((SELECT count(*) FROM raw_drug JOIN touched_reports USING (primaryid, quarter))
                - (SELECT count(*) FROM drugs WHERE caseid IN (SELECT caseid FROM touched_cases))),
       $sign * ((SELECT count(*) FROM raw_reac JOIN touched_reports USING (primaryid, quarter) WHERE pt IS NOT NULL)
                - (SELECT count(*) FROM reactions WHERE caseid IN (SELECT caseid FROM touched_cases)));

-- step: dup_blocks
-- The date, age, sex and country of the touched cases (before and after): the probable-duplicate groups they can be
-- in lie within these blocks.
INSERT INTO dup_blocks
SELECT DISTINCT event_date, age_years, sex, country FROM cases
WHERE caseid IN (SELECT caseid FROM touched_cases)
  AND event_date_precision = 'day' AND age_years IS NOT NULL AND sex IS NOT NULL AND country IS NOT NULL;

-- step: remove_versions
DELETE FROM case_versions WHERE caseid IN (SELECT caseid FROM touched_cases);

-- step: insert_versions
INSERT INTO case_versions SELECT * FROM version_rows() WHERE caseid IN (SELECT caseid FROM touched_cases);

-- step: current_reports
CREATE OR REPLACE TEMP TABLE current_reports AS
SELECT * FROM current_rows() WHERE caseid IN (SELECT caseid FROM touched_cases);

-- step: update_outcomes
DELETE FROM outcomes WHERE caseid IN (SELECT caseid FROM touched_cases);
INSERT INTO outcomes SELECT * FROM outcome_rows() ORDER BY caseid;

-- step: update_cases
DELETE FROM cases WHERE caseid IN (SELECT caseid FROM touched_cases);
INSERT INTO cases SELECT * FROM case_rows() ORDER BY caseid;

-- step: update_drugs
DELETE FROM drugs WHERE caseid IN (SELECT caseid FROM touched_cases);
INSERT INTO drugs SELECT * FROM drug_rows() ORDER BY caseid;

-- step: update_drug_ingredients
DELETE FROM drug_ingredients WHERE caseid IN (SELECT caseid FROM touched_cases);
INSERT INTO drug_ingredients SELECT * FROM drug_ingredient_rows('drugs') WHERE caseid IN (SELECT caseid FROM touched_cases) ORDER BY ingredient;

-- step: update_reactions
DELETE FROM reactions WHERE caseid IN (SELECT caseid FROM touched_cases);
INSERT INTO reactions SELECT * FROM reaction_rows() ORDER BY caseid;

-- step: rename_pts
-- A PT whose commonest spelling changed with the new quarter takes its new display name in every reaction row.
UPDATE reactions SET pt_name = n.pt_name
FROM pt_names n
WHERE reactions.pt_key = n.pt_key AND reactions.pt_name IS DISTINCT FROM n.pt_name;

-- step: update_reaction_index
DELETE FROM reaction_index WHERE caseid IN (SELECT caseid FROM touched_cases);
INSERT INTO reaction_index SELECT * FROM reaction_index_rows('reactions') WHERE caseid IN (SELECT caseid FROM touched_cases) ORDER BY pt_key, caseid;

-- step: update_therapies
DELETE FROM therapies WHERE caseid IN (SELECT caseid FROM touched_cases);
INSERT INTO therapies SELECT * FROM therapy_rows() ORDER BY caseid;

-- step: update_indications
DELETE FROM indications WHERE caseid IN (SELECT caseid FROM touched_cases);
INSERT INTO indications SELECT * FROM indication_rows() ORDER BY caseid;

-- step: update_report_sources
DELETE FROM report_sources WHERE caseid IN (SELECT caseid FROM touched_cases);
INSERT INTO report_sources SELECT * FROM report_source_rows() ORDER BY caseid;

-- step: dup_scope
-- Every current case in a block of a touched case: the probable-duplicate groups are formed again over these.
CREATE OR REPLACE TEMP TABLE dup_scope AS
SELECT c.* FROM cases c
SEMI JOIN dup_blocks b
    ON b.event_date = c.event_date AND b.age_years = c.age_years AND b.sex = c.sex AND b.country = c.country;

-- step: update_probable_duplicates
DELETE FROM probable_duplicates
WHERE caseid IN (SELECT caseid FROM dup_scope) OR caseid IN (SELECT caseid FROM touched_cases);
INSERT INTO probable_duplicates SELECT * FROM duplicate_rows('dup_scope') ORDER BY caseid;

-- step: update_ingredient_vocab
CREATE OR REPLACE TABLE ingredient_vocab AS
SELECT ingredient, n_drug_rows FROM (
    SELECT ingredient, sum(n)::BIGINT AS n_drug_rows FROM (
        SELECT ingredient, n_drug_rows AS n FROM ingredient_vocab
        UNION ALL SELECT ingredient, n FROM delta_ingredient_vocab
    ) GROUP BY ingredient
) WHERE n_drug_rows > 0
ORDER BY n_drug_rows DESC, ingredient;

-- step: update_route_vocab
CREATE OR REPLACE TABLE route_vocab AS
SELECT route_canonical, n_drug_rows FROM (
    SELECT route_canonical, sum(n)::BIGINT AS n_drug_rows FROM (
        SELECT route_canonical, n_drug_rows AS n FROM route_vocab
        UNION ALL SELECT route_canonical, n FROM delta_route_vocab
    ) GROUP BY route_canonical
) WHERE n_drug_rows > 0
ORDER BY n_drug_rows DESC, route_canonical;

-- step: update_pt_vocab
CREATE OR REPLACE TABLE pt_vocab AS
SELECT c.pt_key, n.pt_name, c.n_cases FROM (
    SELECT pt_key, sum(n)::BIGINT AS n_cases FROM (
        SELECT pt_key, n_cases AS n FROM pt_vocab
        UNION ALL SELECT pt_key, n FROM delta_pt_vocab
    ) GROUP BY pt_key
) c JOIN pt_names n USING (pt_key)
WHERE c.n_cases > 0
ORDER BY c.n_cases DESC, c.pt_key;

-- step: update_pair_case_counts
CREATE OR REPLACE TABLE pair_case_counts AS
SELECT ingredient, pt_key, a FROM (
    SELECT ingredient, pt_key, sum(a)::BIGINT AS a FROM (
        SELECT ingredient, pt_key, a FROM pair_case_counts
        UNION ALL SELECT ingredient, pt_key, a FROM delta_pairs
    ) GROUP BY ingredient, pt_key
) WHERE a > 0;

-- step: update_ingredient_case_counts
CREATE OR REPLACE TABLE ingredient_case_counts AS
SELECT ingredient, n_cases FROM (
    SELECT ingredient, sum(n_cases)::BIGINT AS n_cases FROM (
        SELECT ingredient, n_cases FROM ingredient_case_counts
        UNION ALL SELECT ingredient, n_cases FROM delta_suspects
    ) GROUP BY ingredient
) WHERE n_cases > 0;

-- step: update_collapsed_rows
CREATE OR REPLACE TEMP TABLE collapsed_rows AS
SELECT ((SELECT n FROM dedup_flow WHERE step = 'drug_rows_collapsed')
        + (SELECT coalesce(sum(drug_rows), 0) FROM delta_collapsed))::BIGINT AS drug_rows,
       ((SELECT n FROM dedup_flow WHERE step = 'reac_rows_collapsed')
        + (SELECT coalesce(sum(reac_rows), 0) FROM delta_collapsed))::BIGINT AS reac_rows;

-- step: macro_prerequisites
-- What core.sql's macros read must exist when they are defined (DuckDB checks); an update or a remap defines them
-- over the model already built: every DEMO row as the versions' source unless an update scoped it, and an empty
-- current_reports until the real one is written.
CREATE TEMP VIEW IF NOT EXISTS version_source AS SELECT * FROM raw_demo;
CREATE TEMP TABLE IF NOT EXISTS current_reports AS
SELECT caseid, primaryid, quarter, n_versions, first_fda_date FROM case_versions LIMIT 0;

-- step: count_touched
SELECT count(*) FROM touched_cases;

-- step: country_map
-- legacy country names -> the codes FAERS writes (the registered frame country_df, from explorer/vocab)
CREATE OR REPLACE TEMP TABLE country_map AS SELECT name, code FROM country_df;

-- step: any_synthetic
-- whether any loaded quarter carries the generator's SYNTHETIC marker
SELECT coalesce(bool_or(synthetic), false) FROM load_log;

-- step: set_meta
INSERT OR REPLACE INTO meta VALUES ($key, $value);

-- step: remap_terms
-- After a MedDRA import: the reported terms whose PT (pt_key) or PT name differs under the new term map (pt_map,
-- pt_names), with their new key and name. Each term's old key and name are read from reactions, where every row of a
-- term carries the same ones; a reaction row's other columns do not depend on the map, so no row appears or vanishes.
CREATE OR REPLACE TEMP TABLE remapped_terms AS
WITH old AS (SELECT DISTINCT pt, pt_key, pt_name FROM reactions),
new AS (
    SELECT o.pt, o.pt_key AS old_key, o.pt_name AS old_name, coalesce(m.pt_key, lower(o.pt)) AS pt_key
    FROM old o LEFT JOIN pt_map m ON m.pt = o.pt
)
SELECT n.pt, n.pt_key, p.pt_name, n.pt_key <> n.old_key AS key_changed
FROM new n LEFT JOIN pt_names p ON p.pt_key = n.pt_key
WHERE n.pt_key <> n.old_key OR p.pt_name IS DISTINCT FROM n.old_name;

-- step: remap_touched_cases
-- The cases whose set of PTs changes: those reporting a term that now maps to another PT.
CREATE OR REPLACE TEMP TABLE touched_cases AS
SELECT DISTINCT caseid FROM reactions
WHERE pt IN (SELECT pt FROM remapped_terms WHERE key_changed);

-- step: remap_reactions
UPDATE reactions SET pt_key = t.pt_key, pt_name = t.pt_name
FROM remapped_terms t
WHERE reactions.pt = t.pt;

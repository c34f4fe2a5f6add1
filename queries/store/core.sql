-- The deduplicated model, built from the raw tables: named steps (-- step: NAME), run in this order by a full build
-- (explorer/store/build.py); an update runs the *_rows macros and some steps by name.
-- The rows of each model table come from a TEMP MACRO (``*_rows``) that reads the temp table current_reports: every
-- current report in a full build (this file, top to bottom), only the reports of the cases a new quarter touches in
-- an incremental update (update.sql, which calls the same macros): one definition of each table's rows for both.
-- Inputs prepared by build.py: tables route_map(route, route_canonical),
-- prod_ai_map(prod_ai, ingredients), drugname_map(drugname, ingredients), country_map(name, code), and
-- pt_map(pt, pt_key, pt_name, ...): reported terms mapped to the current MedDRA version's PTs (explorer.meddra;
-- empty when no MedDRA is imported).

-- step: first_faers_quarter
-- The first quarter of FAERS (explorer.quarters.FIRST_FAERS); the quarters before it are LAERS.
SET VARIABLE first_faers_quarter = $quarter;

-- step: faers_date
-- FAERS dates are YYYYMMDD, YYYYMM or YYYY; anything else (or a year outside 1900-2099) is NULL.
CREATE OR REPLACE MACRO faers_date(s) AS CASE
    WHEN s IS NULL OR left(s, 2) NOT IN ('19', '20') THEN NULL
    WHEN length(s) = 8 THEN try_strptime(s, '%Y%m%d')::DATE
    WHEN length(s) = 6 THEN try_strptime(s || '01', '%Y%m%d')::DATE
    WHEN length(s) = 4 THEN try_strptime(s || '0101', '%Y%m%d')::DATE
END;

-- step: faers_date_precision
CREATE OR REPLACE MACRO faers_date_precision(s) AS CASE
    WHEN faers_date(s) IS NULL THEN NULL
    WHEN length(s) = 8 THEN 'day'
    WHEN length(s) = 6 THEN 'month'
    ELSE 'year'
END;

-- step: version_source
CREATE OR REPLACE TEMP VIEW version_source AS SELECT * FROM raw_demo;

-- step: version_rows
-- Every report version once. A primaryid shipped again in a later quarter keeps its latest copy. LAERS ISRs and
-- FAERS primaryids are different numbering systems, so the era is part of the key. The case number is a BIGINT in
-- the model (the loader rejects DEMO lines whose caseid is not digits), which keeps every case join an integer join.
-- Reads the temp view version_source: raw_demo in a full build; in an update, the DEMO rows of every primaryid of
-- the touched cases (all copies of each, so that the latest copy is chosen as a full build chooses it).
CREATE OR REPLACE TEMP MACRO version_rows() AS TABLE
WITH demo AS (
    SELECT * REPLACE (trim(caseid)::BIGINT AS caseid), quarter < getvariable('first_faers_quarter') AS is_laers,
           row_number() OVER (PARTITION BY quarter < getvariable('first_faers_quarter'), primaryid ORDER BY quarter DESC) AS copy_rank
    FROM version_source
    WHERE nullif(trim(caseid), '') IS NOT NULL
)
SELECT caseid, primaryid, quarter, is_laers,
       try_cast(caseversion AS INTEGER) AS caseversion,
       faers_date(fda_dt) AS fda_date,
       row_number() OVER (
           PARTITION BY caseid
           ORDER BY coalesce(try_cast(caseversion AS INTEGER), 0) DESC, faers_date(fda_dt) DESC NULLS LAST,
                    try_cast(primaryid AS HUGEINT) DESC, quarter DESC
       ) AS version_rank,
       count(*) OVER (PARTITION BY caseid) AS n_versions,
       min(faers_date(fda_dt)) OVER (PARTITION BY caseid) AS first_fda_date
FROM demo
WHERE copy_rank = 1;

-- step: case_versions
CREATE OR REPLACE TABLE case_versions AS SELECT * FROM version_rows();

-- step: deleted_cases
CREATE OR REPLACE TABLE deleted_cases AS
SELECT trim(caseid)::BIGINT AS caseid, min(quarter) AS first_listed_in FROM raw_deleted GROUP BY ALL;

-- step: current_rows
-- The current report of each case that is not deleted.
CREATE OR REPLACE TEMP MACRO current_rows() AS TABLE
SELECT v.caseid, v.primaryid, v.quarter, v.n_versions, v.first_fda_date
FROM case_versions v
ANTI JOIN deleted_cases d ON d.caseid = v.caseid
WHERE v.version_rank = 1;

-- step: current_reports
CREATE OR REPLACE TEMP TABLE current_reports AS SELECT * FROM current_rows();

-- step: outcome_rows
CREATE OR REPLACE TEMP MACRO outcome_rows() AS TABLE
SELECT DISTINCT c.caseid, o.primaryid, upper(o.outc_cod) AS outc_cod
FROM raw_outc o JOIN current_reports c USING (primaryid, quarter)
WHERE o.outc_cod IS NOT NULL;

-- step: outcomes
CREATE OR REPLACE TABLE outcomes AS SELECT * FROM outcome_rows() ORDER BY caseid;

-- step: case_rows
-- Reads outcomes: its rows for current_reports must be written first.
CREATE OR REPLACE TEMP MACRO case_rows() AS TABLE
WITH flags AS (
    SELECT caseid, true AS is_serious, bool_or(outc_cod = 'DE') AS is_death
    FROM outcomes SEMI JOIN current_reports USING (caseid) GROUP BY caseid
)
SELECT
    c.caseid, c.primaryid, try_cast(d.caseversion AS INTEGER) AS caseversion, c.quarter,
    c.quarter < getvariable('first_faers_quarter') AS is_laers, c.n_versions,
    d.i_f_code, d.event_dt, d.mfr_dt, d.init_fda_dt, d.fda_dt, d.rept_cod, d.auth_num, d.mfr_num, d.mfr_sndr,
    d.lit_ref, d.age, d.age_cod, d.age_grp, d.e_sub, d.wt, d.wt_cod, d.rept_dt, d.to_mfr,
    upper(d.occp_cod) AS occp_cod, d.reporter_country, d.occr_country,
    -- normalized
    CASE upper(d.sex) WHEN 'F' THEN 'F' WHEN 'M' THEN 'M' END AS sex,
    faers_date(d.event_dt) AS event_date, faers_date_precision(d.event_dt) AS event_date_precision,
    faers_date(d.init_fda_dt) AS init_fda_date, faers_date_precision(d.init_fda_dt) AS init_fda_date_precision,
    faers_date(d.fda_dt) AS fda_date, faers_date_precision(d.fda_dt) AS fda_date_precision,
    coalesce(faers_date(d.init_fda_dt), c.first_fda_date) AS received_date,
    year(coalesce(faers_date(d.init_fda_dt), c.first_fda_date)) AS received_year,
    CASE WHEN a.age_years >= 0 AND a.age_years <= 125 THEN round(a.age_years, 2) END AS age_years,
    CASE WHEN w.weight_kg > 0 AND w.weight_kg <= 650 THEN round(w.weight_kg, 2) END AS weight_kg,
    -- legacy quarters write country names, FAERS ISO codes: names are read as their codes (explorer/vocab)
    coalesce(cm.code, nullif(upper(trim(d.reporter_country)), 'COUNTRY NOT SPECIFIED')) AS country,
    coalesce(f.is_serious, false) AS is_serious,
    coalesce(f.is_death, false) AS is_death
FROM current_reports c
JOIN raw_demo d USING (primaryid, quarter)
LEFT JOIN flags f ON f.caseid = c.caseid
LEFT JOIN country_map cm ON cm.name = upper(trim(d.reporter_country))
CROSS JOIN LATERAL (
    SELECT try_cast(d.age AS DOUBLE) * CASE upper(d.age_cod)
        WHEN 'DEC' THEN 10 WHEN 'YR' THEN 1 WHEN 'MON' THEN 1 / 12 WHEN 'WK' THEN 1 / 52.1775
        WHEN 'DY' THEN 1 / 365.25 WHEN 'HR' THEN 1 / 8766 END AS age_years
) a
CROSS JOIN LATERAL (
    SELECT try_cast(d.wt AS DOUBLE) * CASE upper(d.wt_cod)
        WHEN 'KG' THEN 1 WHEN 'LBS' THEN 0.45359237 WHEN 'GMS' THEN 0.001 END AS weight_kg
) w
QUALIFY row_number() OVER (PARTITION BY c.caseid ORDER BY d.source_file) = 1;

-- step: cases
CREATE OR REPLACE TABLE cases AS SELECT * FROM case_rows() ORDER BY caseid;

-- step: drug_rows
CREATE OR REPLACE TEMP MACRO drug_rows() AS TABLE
SELECT DISTINCT
    c.caseid, d.primaryid, d.drug_seq, upper(d.role_cod) AS role_cod, d.drugname, d.prod_ai, d.val_vbm, d.route,
    d.dose_vbm, d.cum_dose_chr, d.cum_dose_unit, d.dechal, d.rechal, d.lot_num, d.exp_dt, d.nda_num, d.dose_amt,
    d.dose_unit, d.dose_form, d.dose_freq,
    rm.route_canonical,
    coalesce(pm.ingredients, nm.ingredients, []::VARCHAR[]) AS ingredients,
    CASE WHEN pm.ingredients IS NOT NULL THEN 'prod_ai' WHEN nm.ingredients IS NOT NULL THEN 'drugname' END
        AS ingredient_source
FROM raw_drug d
JOIN current_reports c USING (primaryid, quarter)
LEFT JOIN route_map rm ON rm.route = d.route
LEFT JOIN prod_ai_map pm ON pm.prod_ai = d.prod_ai
LEFT JOIN drugname_map nm ON nm.drugname = d.drugname;

-- step: drugs
CREATE OR REPLACE TABLE drugs AS SELECT * FROM drug_rows() ORDER BY caseid;

-- step: drug_ingredient_rows
-- One row per ingredient of a drug row (of the table named by src: drugs, or an update's new drug rows).
CREATE OR REPLACE TEMP MACRO drug_ingredient_rows(src) AS TABLE
SELECT caseid, primaryid, drug_seq, role_cod, route_canonical, unnest(ingredients) AS ingredient, drugname,
       lower(concat_ws(' ', dose_vbm, drugname)) AS verbatim, ingredients AS drug_ingredients
FROM query_table(src);

-- step: drug_ingredients
-- Sorted by ingredient, with what exposure definitions test (role, route, verbatim text), so that matching an
-- exposure reads only its ingredients' rows.
CREATE OR REPLACE TABLE drug_ingredients AS SELECT * FROM drug_ingredient_rows('drugs') ORDER BY ingredient;

-- step: ingredient_vocab
-- The ingredients and canonical routes of the loaded drug rows, commonest first (pickers and claim matching).
CREATE OR REPLACE TABLE ingredient_vocab AS
SELECT ingredient, count(*) AS n_drug_rows FROM drug_ingredients GROUP BY ALL ORDER BY n_drug_rows DESC, ingredient;

-- step: route_vocab
CREATE OR REPLACE TABLE route_vocab AS
SELECT route_canonical, count(*) AS n_drug_rows FROM drugs WHERE route_canonical IS NOT NULL
GROUP BY ALL ORDER BY n_drug_rows DESC, route_canonical;

-- step: pt_spellings
-- How often each reported term is spelled each way in the raw REAC rows (kept: an update adds a quarter's counts).
CREATE OR REPLACE TABLE pt_spellings AS
SELECT pt, count(*) AS n_rows FROM raw_reac WHERE pt IS NOT NULL GROUP BY ALL;

-- step: pt_names
-- One display name per PT: the mixed-case spelling (FAERS) over the upper-case one (LAERS), then the commonest;
-- the current MedDRA version's name for the PTs reported terms are mapped to.
CREATE OR REPLACE TEMP TABLE pt_names AS
SELECT pt_key,
       CASE WHEN name = upper(name) THEN upper(left(name, 1)) || lower(substr(name, 2)) ELSE name END AS pt_name
FROM (
    SELECT pt_key, arg_max(pt, (pt <> upper(pt))::BIGINT * 1000000000000 + n) AS name
    FROM (SELECT lower(pt) AS pt_key, pt, n_rows AS n FROM pt_spellings)
    GROUP BY pt_key
)
WHERE pt_key NOT IN (SELECT pt_key FROM pt_map)
UNION ALL
SELECT pt_key, min(pt_name) FROM pt_map GROUP BY pt_key;

-- step: reaction_rows
-- pt is the term as reported; pt_key and pt_name are its PT's (the current MedDRA PT it maps to, else itself).
CREATE OR REPLACE TEMP MACRO reaction_rows() AS TABLE
SELECT DISTINCT c.caseid, r.primaryid, r.pt, r.drug_rec_act, coalesce(m.pt_key, lower(r.pt)) AS pt_key, n.pt_name
FROM raw_reac r
JOIN current_reports c USING (primaryid, quarter)
LEFT JOIN pt_map m ON m.pt = r.pt
LEFT JOIN pt_names n ON n.pt_key = coalesce(m.pt_key, lower(r.pt))
WHERE r.pt IS NOT NULL;

-- step: reactions
-- Sorted by case, so that the reactions of one case or one page of a listing are read from a few row groups.
CREATE OR REPLACE TABLE reactions AS SELECT * FROM reaction_rows() ORDER BY caseid;

-- step: reaction_index_rows
CREATE OR REPLACE TEMP MACRO reaction_index_rows(src) AS TABLE
SELECT DISTINCT pt_key, caseid FROM query_table(src);

-- step: reaction_index
-- Which cases report each PT, sorted by PT: matching an event reads only its PTs' rows.
CREATE OR REPLACE TABLE reaction_index AS SELECT * FROM reaction_index_rows('reactions') ORDER BY pt_key, caseid;

-- step: pt_vocab
-- Every PT of the loaded reports with its display name and number of current cases (pickers, claim matching).
CREATE OR REPLACE TABLE pt_vocab AS
SELECT i.pt_key, n.pt_name, count(*) AS n_cases
FROM reaction_index i JOIN pt_names n USING (pt_key)
GROUP BY ALL
ORDER BY n_cases DESC, pt_key;

-- step: duplicate_rows
-- Probable duplicates: distinct current cases that share a full event date, age, sex, country, the set of drugs
-- (ingredients; the upper-cased name where none is resolved) and the set of PTs with another current case, as when
-- a manufacturer and a physician report one event. They are flagged, never removed: every count keeps them
-- unless a selection excludes them. Each group keeps its earliest received case; the others point to it. Cases
-- missing any of the compared fields are never flagged (two sparse reports alike say nothing).
-- src names the cases compared: cases in a full build; in an update, every current case that shares date, age, sex
-- and country with a touched case before or after the update (groups never span two such blocks).
CREATE OR REPLACE TEMP MACRO duplicate_rows(src) AS TABLE
WITH comparable AS (
    SELECT caseid, received_date, event_date, age_years, sex, country
    FROM query_table(src)
    WHERE event_date_precision = 'day' AND age_years IS NOT NULL AND sex IS NOT NULL AND country IS NOT NULL
),
-- Lists are compared only where they can match: first the cases whose date, age, sex and country another case
-- shares; of those, the ones whose PT set's print (an XOR of its PTs' hashes: equal sets, equal prints) another
-- such case shares too. The groups themselves are formed on the exact lists below.
shared AS (
    SELECT c.* FROM comparable c
    SEMI JOIN (SELECT event_date, age_years, sex, country FROM comparable GROUP BY ALL HAVING count(*) > 1) k
        ON k.event_date = c.event_date AND k.age_years = c.age_years AND k.sex = c.sex AND k.country = c.country
),
printed AS (
    SELECT s.*, p.pt_print
    FROM shared s
    JOIN (SELECT caseid, bit_xor(hash(pt_key)) AS pt_print  -- reaction_index holds each (PT, case) once
          FROM reaction_index WHERE caseid IN (SELECT caseid FROM shared) GROUP BY caseid) p USING (caseid)
),
candidates AS (
    SELECT c.* FROM printed c
    SEMI JOIN (SELECT event_date, age_years, sex, country, pt_print FROM printed GROUP BY ALL HAVING count(*) > 1) k
        ON k.event_date = c.event_date AND k.age_years = c.age_years AND k.sex = c.sex AND k.country = c.country
       AND k.pt_print = c.pt_print
),
drug_sets AS (
    SELECT caseid,
           list_sort(list_distinct(flatten(list(
               CASE WHEN len(ingredients) > 0 THEN ingredients ELSE [upper(trim(drugname))] END)))) AS drug_set
    FROM drugs WHERE caseid IN (SELECT caseid FROM candidates)
    GROUP BY caseid
),
pt_sets AS (
    SELECT caseid, list_sort(list(pt_key)) AS pt_set
    FROM reaction_index WHERE caseid IN (SELECT caseid FROM candidates)
    GROUP BY caseid
),
grouped AS (
    SELECT c.caseid,
           first_value(c.caseid) OVER same AS duplicate_of,
           count(*) OVER same AS group_size
    FROM candidates c JOIN drug_sets d USING (caseid) JOIN pt_sets p USING (caseid)
    WHERE len(d.drug_set) > 0
    WINDOW same AS (PARTITION BY c.event_date, c.age_years, c.sex, c.country, d.drug_set, p.pt_set
                    ORDER BY c.received_date NULLS LAST, c.caseid
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT caseid, duplicate_of, group_size FROM grouped
WHERE caseid <> duplicate_of;

-- step: probable_duplicates
CREATE OR REPLACE TABLE probable_duplicates AS SELECT * FROM duplicate_rows('cases') ORDER BY caseid;

-- step: therapy_rows
CREATE OR REPLACE TEMP MACRO therapy_rows() AS TABLE
SELECT DISTINCT
    c.caseid, t.primaryid, t.dsg_drug_seq, t.start_dt, t.end_dt, t.dur, t.dur_cod,
    faers_date(t.start_dt) AS start_date, faers_date_precision(t.start_dt) AS start_date_precision,
    faers_date(t.end_dt) AS end_date, faers_date_precision(t.end_dt) AS end_date_precision
FROM raw_ther t JOIN current_reports c USING (primaryid, quarter);

-- step: therapies
CREATE OR REPLACE TABLE therapies AS SELECT * FROM therapy_rows() ORDER BY caseid;

-- step: indication_rows
CREATE OR REPLACE TEMP MACRO indication_rows() AS TABLE
SELECT DISTINCT c.caseid, i.primaryid, i.indi_drug_seq, i.indi_pt
FROM raw_indi i JOIN current_reports c USING (primaryid, quarter)
WHERE i.indi_pt IS NOT NULL;

-- step: indications
CREATE OR REPLACE TABLE indications AS SELECT * FROM indication_rows() ORDER BY caseid;

-- step: report_source_rows
CREATE OR REPLACE TEMP MACRO report_source_rows() AS TABLE
SELECT DISTINCT c.caseid, s.primaryid, upper(s.rpsr_cod) AS rpsr_cod
FROM raw_rpsr s JOIN current_reports c USING (primaryid, quarter)
WHERE s.rpsr_cod IS NOT NULL;

-- step: report_sources
CREATE OR REPLACE TABLE report_sources AS SELECT * FROM report_source_rows() ORDER BY caseid;

-- step: pair_rows
-- Case counts of ingredient-PT pairs (suspect roles PS/SS) and of ingredients, over the cases of the drug
-- ingredient rows di_src and the reaction index rows re_src. Counts of distinct cases add up over disjoint sets of
-- cases: an update adds the touched cases' new counts and subtracts their old ones.
CREATE OR REPLACE TEMP MACRO pair_rows(di_src, re_src) AS TABLE
WITH di AS (SELECT DISTINCT caseid, ingredient FROM query_table(di_src) WHERE role_cod IN ('PS', 'SS'))
SELECT di.ingredient, re.pt_key, count(*) AS a FROM di JOIN query_table(re_src) re USING (caseid) GROUP BY ALL;

-- step: suspect_rows
CREATE OR REPLACE TEMP MACRO suspect_rows(di_src) AS TABLE
SELECT ingredient, count(DISTINCT caseid) AS n_cases FROM query_table(di_src) WHERE role_cod IN ('PS', 'SS')
GROUP BY ALL;

-- step: pair_case_counts
CREATE OR REPLACE TABLE pair_case_counts AS SELECT * FROM pair_rows('drug_ingredients', 'reaction_index');

-- step: ingredient_case_counts
CREATE OR REPLACE TABLE ingredient_case_counts AS SELECT * FROM suspect_rows('drug_ingredients');

-- step: pair_counts
-- Case counts of every ingredient-PT pair (suspect roles PS/SS) with their margins: the 2x2 of each pair is
-- a, b = n_ingredient - a, c = n_pt - a, d = n - n_ingredient - n_pt + a. Scored by build.py into signal_pairs.
CREATE OR REPLACE TEMP TABLE pair_counts AS
SELECT p.ingredient, p.pt_key, p.a, i.n_cases AS n_ingredient, v.n_cases AS n_pt, (SELECT count(*) FROM cases) AS n
FROM pair_case_counts p JOIN ingredient_case_counts i USING (ingredient) JOIN pt_vocab v USING (pt_key);

-- step: collapsed_rows
-- Exact duplicate child rows of the current reports collapsed (an update adjusts these by difference).
CREATE OR REPLACE TEMP TABLE collapsed_rows AS
SELECT (SELECT count(*) FROM raw_drug JOIN current_reports USING (primaryid, quarter)) - (SELECT count(*) FROM drugs)
           AS drug_rows,
       (SELECT count(*) FROM raw_reac JOIN current_reports USING (primaryid, quarter) WHERE pt IS NOT NULL)
           - (SELECT count(*) FROM reactions) AS reac_rows;

-- step: dedup_flow
CREATE OR REPLACE TABLE dedup_flow AS
SELECT * FROM (VALUES
    (1, 'demo_rows', (SELECT count(*) FROM raw_demo),
        'DEMO rows read, all loaded quarters'),
    (2, 'reports', (SELECT count(*) FROM case_versions),
        'distinct report versions (primaryid; a version shipped in two quarters counted once; rows without caseid dropped)'),
    (3, 'cases', (SELECT count(DISTINCT caseid) FROM case_versions),
        'distinct cases (caseid; LAERS and FAERS versions of one case number are one case)'),
    (4, 'deleted_cases', (SELECT count(DISTINCT v.caseid) FROM case_versions v SEMI JOIN deleted_cases d ON d.caseid = v.caseid),
        'cases dropped because FDA listed them as deleted'),
    (5, 'current_cases', (SELECT count(*) FROM cases),
        'current cases: latest version of each case (highest caseversion, then latest fda_dt, then highest primaryid)'),
    (6, 'drug_rows_collapsed', (SELECT drug_rows FROM collapsed_rows),
        'exact duplicate DRUG rows of current reports collapsed'),
    (7, 'reac_rows_collapsed', (SELECT reac_rows FROM collapsed_rows),
        'exact duplicate REAC rows of current reports collapsed'),
    (8, 'probable_duplicates', (SELECT count(*) FROM probable_duplicates),
        'current cases flagged as probable duplicates of an earlier current case (same full event date, age, sex, country, drugs and reactions); kept in every count unless a selection excludes them')
) AS t(step_no, step, n, description);

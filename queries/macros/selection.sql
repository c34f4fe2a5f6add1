-- Table macros of the selection. They read the session variables bound by explorer.selection.bind():
-- f_* filters on cases, f_e_* the exposure, f_k_* the comparator, f_event_pts the event's PTs (lower case).
-- bind() also (re)creates population() from queries/macros/population.sql and selected_cases(), then runs
-- queries/macros/materialize.sql, which fills the temporary tables these macros read.

CREATE TEMP TABLE IF NOT EXISTS _exposed (caseid BIGINT);
CREATE TEMP TABLE IF NOT EXISTS _event (caseid BIGINT);
CREATE TEMP TABLE IF NOT EXISTS _comparator (caseid BIGINT);
CREATE TEMP TABLE IF NOT EXISTS _counts (n_population BIGINT);
CREATE TEMP TABLE IF NOT EXISTS _pop_pt (pt_key VARCHAR, n BIGINT);
CREATE TEMP TABLE IF NOT EXISTS _set_hits (name VARCHAR, caseid BIGINT);
CREATE TEMP TABLE IF NOT EXISTS _exposed_pts (caseid BIGINT, pt_key VARCHAR);
CREATE TEMP TABLE IF NOT EXISTS _exposure_therapies (caseid BIGINT, start_date DATE);
CREATE TEMP TABLE IF NOT EXISTS _set_cases AS
SELECT caseid, received_date, event_date, sex, age_years, country, occp_cod, rept_cod, is_serious FROM cases LIMIT 0;

-- Drug rows that match an exposure definition (prefix e = exposure, k = comparator). Definitions that name
-- ingredients read only those ingredients' rows of drug_ingredients (sorted by ingredient); the others scan drugs.
CREATE OR REPLACE TEMP MACRO matching_drugs(ing, xing, routes, xroutes, terms, xterms, roles) AS TABLE
SELECT DISTINCT m.caseid, m.primaryid, m.drug_seq, m.role_cod, m.route_canonical, m.drugname
FROM (
    SELECT caseid, primaryid, drug_seq, role_cod, route_canonical, drugname, verbatim, drug_ingredients AS ings
    FROM drug_ingredients
    WHERE len(ing) > 0 AND ingredient IN (SELECT unnest(ing))
    UNION ALL
    SELECT caseid, primaryid, drug_seq, role_cod, route_canonical, drugname,
           lower(concat_ws(' ', dose_vbm, drugname)) AS verbatim, ingredients AS ings
    FROM drugs
    WHERE len(ing) = 0
) m
WHERE ((len(routes) = 0 AND terms = '')
       OR coalesce(list_contains(routes, m.route_canonical), false)
       OR (terms <> '' AND regexp_matches(m.verbatim, terms)))
  AND NOT (coalesce(list_contains(xroutes, m.route_canonical), false)
       OR (xterms <> '' AND regexp_matches(m.verbatim, xterms)))
  AND (len(roles) = 0 OR list_contains(roles, m.role_cod))
  AND NOT list_has_any(m.ings, xing);

CREATE OR REPLACE TEMP MACRO exposure_drugs() AS TABLE
SELECT * FROM matching_drugs(getvariable('f_e_ing'), getvariable('f_e_xing'), getvariable('f_e_routes'),
                             getvariable('f_e_xroutes'), getvariable('f_e_terms'), getvariable('f_e_xterms'),
                             getvariable('f_e_roles'));

CREATE OR REPLACE TEMP MACRO comparator_drugs() AS TABLE
SELECT * FROM matching_drugs(getvariable('f_k_ing'), getvariable('f_k_xing'), getvariable('f_k_routes'),
                             getvariable('f_k_xroutes'), getvariable('f_k_terms'), getvariable('f_k_xterms'),
                             getvariable('f_k_roles'));

-- The exposure's drug rows (every case, filtered or not), found once per exposure definition (case_sets.sql).
CREATE TEMP TABLE IF NOT EXISTS _exposure_rows (caseid BIGINT, primaryid VARCHAR, drug_seq VARCHAR, role_cod VARCHAR,
                                                route_canonical VARCHAR, drugname VARCHAR);
CREATE OR REPLACE TEMP MACRO exposure_rows() AS TABLE SELECT * FROM _exposure_rows;

-- Every case (filtered or not) that reports one of the event's PTs, from the PT-sorted reaction_index.
CREATE OR REPLACE TEMP MACRO event_reactions() AS TABLE
SELECT pt_key, caseid FROM reaction_index WHERE list_contains(getvariable('f_event_pts'), pt_key);

-- selected_cases() (made by bind()) returns at least these columns of cases: caseid, primaryid, received_date,
-- received_year, event_date, event_date_precision, sex, age_years, country, occp_cod, rept_cod, is_serious,
-- is_death; the named queries read no others from it.

-- The selection's case sets, materialized once per bind: _exposed, _event, _comparator (the comparator's cases,
-- not exposed), _selected_rows (the selected cases' rows, when an exposure or an event is set); _counts
-- (n_population) only when a 2x2 needs it (selection.ensure_population_count).
CREATE OR REPLACE TEMP MACRO exposed_cases() AS TABLE SELECT caseid FROM _exposed;
CREATE OR REPLACE TEMP MACRO event_cases() AS TABLE SELECT caseid FROM _event;

-- The reference group of the 2x2: the comparator's cases not exposed, or else every other case of the population.
CREATE OR REPLACE TEMP MACRO reference_cases() AS TABLE
SELECT caseid FROM _comparator WHERE getvariable('f_has_comparator')
UNION ALL
SELECT caseid FROM population()
WHERE NOT getvariable('f_has_comparator') AND caseid NOT IN (SELECT caseid FROM _exposed);

-- Age band of an age in years, from the bands of filters.toml: the first band whose range holds it. One arm per
-- band, up to MAX_AGE_BANDS (explorer.definitions refuses more); an arm past the last band compares with NULL and
-- never matches. (A lambda over the band list costs five times as much on 21 million cases.)
CREATE OR REPLACE TEMP MACRO age_band(age) AS CASE
    WHEN age >= getvariable('f_band_los')[1] AND age < getvariable('f_band_his')[1] THEN getvariable('f_band_labels')[1]
    WHEN age >= getvariable('f_band_los')[2] AND age < getvariable('f_band_his')[2] THEN getvariable('f_band_labels')[2]
    WHEN age >= getvariable('f_band_los')[3] AND age < getvariable('f_band_his')[3] THEN getvariable('f_band_labels')[3]
    WHEN age >= getvariable('f_band_los')[4] AND age < getvariable('f_band_his')[4] THEN getvariable('f_band_labels')[4]
    WHEN age >= getvariable('f_band_los')[5] AND age < getvariable('f_band_his')[5] THEN getvariable('f_band_labels')[5]
    WHEN age >= getvariable('f_band_los')[6] AND age < getvariable('f_band_his')[6] THEN getvariable('f_band_labels')[6]
    WHEN age >= getvariable('f_band_los')[7] AND age < getvariable('f_band_his')[7] THEN getvariable('f_band_labels')[7]
    WHEN age >= getvariable('f_band_los')[8] AND age < getvariable('f_band_his')[8] THEN getvariable('f_band_labels')[8]
    WHEN age >= getvariable('f_band_los')[9] AND age < getvariable('f_band_his')[9] THEN getvariable('f_band_labels')[9]
    WHEN age >= getvariable('f_band_los')[10] AND age < getvariable('f_band_his')[10] THEN getvariable('f_band_labels')[10]
    WHEN age >= getvariable('f_band_los')[11] AND age < getvariable('f_band_his')[11] THEN getvariable('f_band_labels')[11]
    WHEN age >= getvariable('f_band_los')[12] AND age < getvariable('f_band_his')[12] THEN getvariable('f_band_labels')[12]
    ELSE 'unknown' END;

-- Stratum keys of the stratified measures: a key not asked for in strata is NULL (one stratum); a missing value
-- forms its own stratum ('unknown').
CREATE OR REPLACE TEMP MACRO stratum_age_band(strata, age) AS
    CASE WHEN list_contains(strata::VARCHAR[], 'age_band') THEN age_band(age) END;
CREATE OR REPLACE TEMP MACRO stratum_sex(strata, sex_code) AS
    CASE WHEN list_contains(strata::VARCHAR[], 'sex') THEN coalesce(sex_code, 'unknown') END;
CREATE OR REPLACE TEMP MACRO stratum_year(strata, received) AS
    CASE WHEN list_contains(strata::VARCHAR[], 'year') THEN coalesce(received::VARCHAR, 'unknown') END;

-- The period received of a date: its year ('2014') or quarter ('2014Q2') as period asks ('' or anything else: NULL).
CREATE OR REPLACE TEMP MACRO received_period(period, d) AS
    CASE period::VARCHAR
        WHEN 'year' THEN year(d)::VARCHAR
        WHEN 'quarter' THEN year(d)::VARCHAR || 'Q' || quarter(d)::VARCHAR
    END;

-- Guards of the rows and counts a connection keeps across binds (selection.ensure_*): true when the key the kept
-- rows were made for (variable `held`) is the bound one (variable `wanted`); otherwise (never made on this
-- connection, or made for another selection) an error naming what to run. Folded to a constant when a query is
-- planned; a query puts them where they are evaluated even when it returns no row.
CREATE OR REPLACE TEMP MACRO kept_current(held, wanted, what, ensure) AS
    coalesce(getvariable(held) = getvariable(wanted), false)
    OR error(what || ' are not those of the bound selection: run selection.' || ensure || '() first');

-- _pop_strata: the population's counts by stratum (selection.ensure_population_strata)
CREATE OR REPLACE TEMP MACRO population_strata_current() AS
    kept_current('f_strata_key', 'f_population_key', 'the population''s counts by stratum', 'ensure_population_strata');

-- _pop_pt: the population's cases per PT (selection.ensure_population_pts)
CREATE OR REPLACE TEMP MACRO population_pts_current() AS
    kept_current('f_pop_pt_key', 'f_population_key', 'the population''s cases per PT', 'ensure_population_pts');

-- _counts: the population's size (selection.ensure_population_count)
CREATE OR REPLACE TEMP MACRO population_count_current() AS
    kept_current('f_counts_key', 'f_population_key', 'the population''s size', 'ensure_population_count');

-- _exposed_pts: the exposure's PT rows (selection.ensure_exposed_pts)
CREATE OR REPLACE TEMP MACRO exposed_pts_current() AS
    kept_current('f_exposed_pts_key', 'f_set_exposure', 'the exposed cases'' PTs', 'ensure_exposed_pts');

-- _exposure_therapies: the exposure's therapy dates (selection.ensure_exposure_therapies)
CREATE OR REPLACE TEMP MACRO exposure_therapies_current() AS
    kept_current('f_exposure_therapies_key', 'f_set_exposure', 'the exposure''s therapy dates',
                 'ensure_exposure_therapies');

-- Unmasking: the cases that leave the reference group, those of the masking ingredients (in the exposure's roles)
-- and those of the masking PTs (empty lists: none).
CREATE OR REPLACE TEMP MACRO masked_cases(mask_ings, mask_pts) AS TABLE
SELECT caseid FROM drug_ingredients
WHERE ingredient IN (SELECT unnest(mask_ings::VARCHAR[]))
  AND (len(getvariable('f_e_roles')) = 0 OR list_contains(getvariable('f_e_roles'), role_cod))
UNION
SELECT caseid FROM reaction_index WHERE pt_key IN (SELECT unnest(mask_pts::VARCHAR[]));

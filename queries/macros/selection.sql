-- Table macros of the selection. They read the session variables bound by explorer.selection.bind():
-- f_* filters on cases, f_e_* the exposure, f_k_* the comparator, f_event_pts the event's PTs (lower case).

-- The materialized case sets (filled by materialize.sql); created empty first so that the macros can refer to them.
CREATE TEMP TABLE IF NOT EXISTS _exposed (caseid VARCHAR);
CREATE TEMP TABLE IF NOT EXISTS _event (caseid VARCHAR);
CREATE TEMP TABLE IF NOT EXISTS _comparator (caseid VARCHAR);
CREATE TEMP TABLE IF NOT EXISTS _selected (caseid VARCHAR);
CREATE TEMP TABLE IF NOT EXISTS _counts (n_population BIGINT);

-- Current cases that pass the filters.
CREATE OR REPLACE TEMP MACRO population() AS TABLE
SELECT c.*
FROM cases c
WHERE (getvariable('f_received_from') IS NULL OR c.received_date >= getvariable('f_received_from'))
  AND (getvariable('f_received_to') IS NULL OR c.received_date <= getvariable('f_received_to'))
  AND (getvariable('f_event_from') IS NULL OR c.event_date >= getvariable('f_event_from'))
  AND (getvariable('f_event_to') IS NULL OR c.event_date <= getvariable('f_event_to'))
  AND (len(getvariable('f_sexes')) = 0 OR list_contains(getvariable('f_sexes'), c.sex))
  AND (getvariable('f_age_min') IS NULL OR c.age_years >= getvariable('f_age_min'))
  AND (getvariable('f_age_max') IS NULL OR c.age_years < getvariable('f_age_max'))
  AND (len(getvariable('f_countries')) = 0 OR list_contains(getvariable('f_countries'), c.country))
  AND (len(getvariable('f_occupations')) = 0 OR list_contains(getvariable('f_occupations'), c.occp_cod))
  AND (len(getvariable('f_report_types')) = 0 OR list_contains(getvariable('f_report_types'), c.rept_cod))
  AND (NOT getvariable('f_serious') OR c.is_serious)
  AND (len(getvariable('f_outcome_codes')) = 0 OR c.caseid IN (
        SELECT caseid FROM outcomes WHERE list_contains(getvariable('f_outcome_codes'), outc_cod)))
  AND (NOT getvariable('f_exclude_outbreak') OR c.caseid NOT IN (
        SELECT i.caseid FROM drug_ingredients i
        JOIN reactions r ON r.caseid = i.caseid
        JOIN cases oc ON oc.caseid = i.caseid
        WHERE i.ingredient = getvariable('f_outbreak_ingredient')
          AND list_contains(getvariable('f_outbreak_pts'), r.pt_key)
          AND oc.received_date BETWEEN getvariable('f_outbreak_from') AND getvariable('f_outbreak_to')));

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

-- The selection's case sets, materialized once per bind by selection.py (queries/macros/materialize.sql):
-- _exposed, _event, _comparator (the comparator's cases, not exposed), _selected, and _counts (n_population).
CREATE OR REPLACE TEMP MACRO exposed_cases() AS TABLE SELECT caseid FROM _exposed;
CREATE OR REPLACE TEMP MACRO event_cases() AS TABLE SELECT caseid FROM _event;

-- The cases the selection is about: exposed (if an exposure is set) with the event (if one is set), filtered.
CREATE OR REPLACE TEMP MACRO selected_cases() AS TABLE
SELECT c.* FROM cases c WHERE c.caseid IN (SELECT caseid FROM _selected);

-- The reference group of the 2x2: the comparator's cases not exposed, or else every other case of the population.
CREATE OR REPLACE TEMP MACRO reference_cases() AS TABLE
SELECT caseid FROM _comparator WHERE getvariable('f_has_comparator')
UNION ALL
SELECT caseid FROM population()
WHERE NOT getvariable('f_has_comparator') AND caseid NOT IN (SELECT caseid FROM _exposed);

-- Age band of an age in years, from the bands of filters.toml.
CREATE OR REPLACE TEMP MACRO age_band(age) AS coalesce(
    getvariable('f_band_labels')[list_position(
        list_transform(getvariable('f_band_los'), lambda lo, i: age >= lo AND age < getvariable('f_band_his')[i]),
        true)],
    'unknown');

-- The statements explorer.selection.bind() runs around the variables, the case sets and materialize.sql.

-- statement: read_variable
SELECT getvariable($name)

-- statement: population_head
-- followed by the predicates of population.sql for the filters in use, joined with AND (or by "true")
CREATE OR REPLACE TEMP MACRO population() AS TABLE SELECT c.* FROM cases c WHERE

-- statement: hits_population_head
-- the same predicates over the rows of the selection's case sets (_cases_any, case_sets.sql): materialize.sql's
-- source, so that a filter change filters the sets' cases instead of scanning every case
CREATE OR REPLACE TEMP MACRO hits_population() AS TABLE SELECT c.* FROM _cases_any c WHERE

-- statement: set_population_head
-- the same predicates over the cases of the events of _set_hits (_set_cases): signal_cells_sets.sql filters those
-- instead of scanning every case at each filter change
CREATE OR REPLACE TEMP MACRO set_population() AS TABLE SELECT c.* FROM _set_cases c WHERE

-- statement: selected_from_hits
-- a selection with an exposure or an event: its cases are the rows materialize.sql kept
CREATE OR REPLACE TEMP MACRO selected_cases() AS TABLE SELECT * FROM _selected_rows

-- statement: selected_from_population
-- a selection with neither: every case of the filtered population
CREATE OR REPLACE TEMP MACRO selected_cases() AS TABLE SELECT * FROM population()

-- statement: population_strata
-- the population's size by stratum (age band, sex, year received) and quarter received, counted only when a
-- stratified 2x2 needs it (the d cell of each stratum; selection.ensure_population_strata). Quarters are kept as
-- year * 10 + quarter until grouped, so that 21 million cases are not formatted one by one.
CREATE OR REPLACE TEMP TABLE _pop_strata AS
SELECT age_band, sex, year,
       CASE WHEN q IS NOT NULL THEN (q // 10)::VARCHAR || 'Q' || (q % 10)::VARCHAR END AS quarter, n
FROM (SELECT age_band(age_years) AS age_band, coalesce(sex, 'unknown') AS sex,
             coalesce(received_year::VARCHAR, 'unknown') AS year,
             year(received_date) * 10 + quarter(received_date) AS q, count(*) AS n
      FROM population() GROUP BY ALL)

-- statement: population_pts
-- the population's cases per PT, matched case by case (selection.ensure_population_pts): every PT row of the index
-- whose case is in the population
CREATE OR REPLACE TEMP TABLE _pop_pt AS
SELECT ri.pt_key, count(*) AS n FROM reaction_index ri SEMI JOIN population() p ON ri.caseid = p.caseid
GROUP BY ri.pt_key

-- statement: population_pts_kept
-- the same counts from pt_strata_serious (kept by the scoring), for a population whose filters are whole strata:
-- sexes, adjacent age bands of the kept bands, whole years received, seriousness (selection.kept_strata_answer
-- decides; a case without the value a filter tests is in no such population, as in population())
CREATE OR REPLACE TEMP TABLE _pop_pt AS
SELECT p.pt_key, sum(p.n_cases)::BIGINT AS n
FROM pt_strata_serious p
JOIN stratum_labels l USING (s)
LEFT JOIN stratum_bands b ON b.label = l.age_band
WHERE (NOT getvariable('f_serious') OR p.is_serious)
  AND (len(getvariable('f_sexes')) = 0 OR list_contains(getvariable('f_sexes'), l.sex))
  AND (getvariable('f_age_min') IS NULL OR b.lo >= getvariable('f_age_min'))
  AND (getvariable('f_age_max') IS NULL OR b.hi <= getvariable('f_age_max'))
  AND (getvariable('f_received_from') IS NULL
       OR try_cast(l.year AS INTEGER) >= year(getvariable('f_received_from')))
  AND (getvariable('f_received_to') IS NULL OR try_cast(l.year AS INTEGER) <= year(getvariable('f_received_to')))
GROUP BY p.pt_key

-- statement: set_hits
-- the cases reporting any PT of each of several events ($set_names, $set_pts: lower case, a list per name), in
-- every current case: kept while the events are the same (selection.ensure_set_hits), whatever the filters
CREATE OR REPLACE TEMP TABLE _set_hits AS
WITH g AS (SELECT unnest($set_names::VARCHAR[]) AS name, unnest($set_pts::VARCHAR[][]) AS pts),
     gp AS (SELECT DISTINCT name, unnest(pts) AS pt_key FROM g)
SELECT DISTINCT gp.name, ri.caseid FROM reaction_index ri JOIN gp ON ri.pt_key = gp.pt_key

-- statement: set_cases
-- the columns the population's predicates read, of every case in _set_hits (run right after set_hits)
CREATE OR REPLACE TEMP TABLE _set_cases AS
SELECT caseid, received_date, event_date, sex, age_years, country, occp_cod, rept_cod, is_serious
FROM cases WHERE caseid IN (SELECT caseid FROM _set_hits)

-- statement: exposed_pts
-- the PT index rows of every case of the exposure, filtered or not (selection.ensure_exposed_pts): kept while the
-- exposure's cases are the same, so that a screening after a filter change counts the exposed cases' PTs from
-- these rows instead of scanning the whole PT index again
CREATE OR REPLACE TEMP TABLE _exposed_pts AS
SELECT ri.caseid, ri.pt_key FROM reaction_index ri SEMI JOIN _exposed_any e ON ri.caseid = e.caseid

-- statement: exposure_therapies
-- the therapy start dates (full dates only) of every drug row of the exposure, filtered or not
-- (selection.ensure_exposure_therapies): kept while the exposure's rows are the same, so that time to onset after a
-- filter change does not scan every therapy row again
CREATE OR REPLACE TEMP TABLE _exposure_therapies AS
SELECT d.caseid, t.start_date
FROM _exposure_rows d JOIN therapies t ON t.caseid = d.caseid AND t.dsg_drug_seq = d.drug_seq
WHERE t.start_date_precision = 'day'

-- statement: count_population
-- the population's size, counted only when a 2x2 needs it (the d cell)
CREATE OR REPLACE TEMP TABLE _counts AS SELECT count(*) AS n_population FROM population()

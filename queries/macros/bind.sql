-- The statements explorer.selection.bind() runs around the variables, the case sets and materialize.sql.

-- statement: read_variable
SELECT getvariable($name)

-- statement: population_head
-- followed by the predicates of population.sql for the filters in use, joined with AND (or by "true")
CREATE OR REPLACE TEMP MACRO population() AS TABLE SELECT c.* FROM cases c WHERE

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

-- statement: count_population
-- the population's size, counted only when a 2x2 needs it (the d cell)
CREATE OR REPLACE TEMP TABLE _counts AS SELECT count(*) AS n_population FROM population()

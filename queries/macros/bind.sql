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

-- statement: count_population
-- the population's size, counted only when a 2x2 needs it (the d cell)
CREATE OR REPLACE TEMP TABLE _counts AS SELECT count(*) AS n_population FROM population()

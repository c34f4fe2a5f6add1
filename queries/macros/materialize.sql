-- Run by selection.bind() after the variables are set and population() is (re)created: the selection's case
-- sets, computed once per filter change. The exposure's, event's and comparator's cases (case_sets.sql, kept
-- while their definitions do not change) are kept there with the case columns the selection's queries read
-- (_cases_any: caseid, primaryid, received_date, received_year, event_date, event_date_precision, sex, age_years,
-- country, occp_cod, rept_cod, is_serious, is_death); a filter change only filters those rows
-- (hits_population(): population()'s predicates over _cases_any), it does not scan every case again.
-- _hits stays: the stratified 2x2 (signal_strata.sql) reads the strata of its cases from it.
CREATE OR REPLACE TEMP TABLE _hits AS SELECT * FROM hits_population();

CREATE OR REPLACE TEMP TABLE _exposed AS SELECT caseid FROM _hits WHERE _x;

CREATE OR REPLACE TEMP TABLE _event AS SELECT caseid FROM _hits WHERE _v;

CREATE OR REPLACE TEMP TABLE _comparator AS SELECT caseid FROM _hits WHERE _k AND NOT _x;

CREATE OR REPLACE TEMP TABLE _selected_rows AS
SELECT * EXCLUDE (_x, _v, _k) FROM _hits
WHERE (getvariable('f_has_exposure') AND _x AND (NOT getvariable('f_has_event') OR _v))
   OR (NOT getvariable('f_has_exposure') AND getvariable('f_has_event') AND _v)
ORDER BY caseid;

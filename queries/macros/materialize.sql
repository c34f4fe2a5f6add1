-- Run by selection.bind() after the variables are set and population() is (re)created: the selection's case
-- sets, computed once per filter change. The exposure's, event's and comparator's cases (case_sets.sql, kept
-- while their definitions do not change) are filtered here in one pass over the population, with their rows.
-- Only the case columns that the selection's queries read are kept (reading every DEMO column of the scanned
-- row groups would cost more than the rest of the bind): caseid, primaryid, received_date, received_year,
-- event_date, event_date_precision, sex, age_years, country, occp_cod, rept_cod, is_serious, is_death.
-- _hits stays: the stratified 2x2 (signal_strata.sql) reads the strata of its cases from it.
CREATE OR REPLACE TEMP TABLE _hits AS
SELECT c.caseid, c.primaryid, c.received_date, c.received_year, c.event_date, c.event_date_precision, c.sex,
       c.age_years, c.country, c.occp_cod, c.rept_cod, c.is_serious, c.is_death,
       c.caseid IN (SELECT caseid FROM _exposed_any) AS _x,
       c.caseid IN (SELECT caseid FROM _event_any) AS _v,
       c.caseid IN (SELECT caseid FROM _comparator_any) AS _k
FROM population() c
WHERE c.caseid IN (SELECT caseid FROM _exposed_any UNION ALL SELECT caseid FROM _event_any
                   UNION ALL SELECT caseid FROM _comparator_any);

CREATE OR REPLACE TEMP TABLE _exposed AS SELECT caseid FROM _hits WHERE _x;

CREATE OR REPLACE TEMP TABLE _event AS SELECT caseid FROM _hits WHERE _v;

CREATE OR REPLACE TEMP TABLE _comparator AS SELECT caseid FROM _hits WHERE _k AND NOT _x;

CREATE OR REPLACE TEMP TABLE _selected_rows AS
SELECT * EXCLUDE (_x, _v, _k) FROM _hits
WHERE (getvariable('f_has_exposure') AND _x AND (NOT getvariable('f_has_event') OR _v))
   OR (NOT getvariable('f_has_exposure') AND getvariable('f_has_event') AND _v)
ORDER BY caseid;

-- Every case (filtered or not) of the exposure, the event and the comparator, found in the ingredient- and
-- PT-sorted tables (a few row groups each). They do not depend on the filters: selection.bind() recomputes one
-- only when its definition changes, so a filter change does not pay for them again.

-- set: exposure
CREATE OR REPLACE TEMP TABLE _exposure_rows AS
SELECT * FROM exposure_drugs() WHERE getvariable('f_has_exposure');
CREATE OR REPLACE TEMP TABLE _exposed_any AS
SELECT DISTINCT caseid FROM _exposure_rows;

-- set: event
CREATE OR REPLACE TEMP TABLE _event_any AS
SELECT DISTINCT caseid FROM event_reactions() WHERE getvariable('f_has_event');

-- set: comparator
CREATE OR REPLACE TEMP TABLE _comparator_any AS
SELECT DISTINCT caseid FROM comparator_drugs() WHERE getvariable('f_has_comparator');

-- set: cases
-- The case columns the selection's queries read (see materialize.sql), of every case in the three sets above,
-- filtered or not, with the sets it is in. A filter change then filters these rows (hits_population(), made by
-- bind() with the same predicates as population()) instead of scanning every case of the store again.
CREATE OR REPLACE TEMP TABLE _cases_any AS
SELECT c.caseid, c.primaryid, c.received_date, c.received_year, c.event_date, c.event_date_precision, c.sex,
       c.age_years, c.country, c.occp_cod, c.rept_cod, c.is_serious, c.is_death,
       c.caseid IN (SELECT caseid FROM _exposed_any) AS _x,
       c.caseid IN (SELECT caseid FROM _event_any) AS _v,
       c.caseid IN (SELECT caseid FROM _comparator_any) AS _k
FROM cases c
WHERE c.caseid IN (SELECT caseid FROM _exposed_any UNION ALL SELECT caseid FROM _event_any
                   UNION ALL SELECT caseid FROM _comparator_any);

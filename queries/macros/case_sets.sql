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

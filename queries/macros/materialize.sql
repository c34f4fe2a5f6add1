-- Run by selection.bind() after the variables are set: the selection's case sets, computed once.
CREATE OR REPLACE TEMP TABLE _exposed AS
SELECT DISTINCT d.caseid FROM exposure_drugs() d
WHERE getvariable('f_has_exposure') AND d.caseid IN (SELECT caseid FROM population());

CREATE OR REPLACE TEMP TABLE _event AS
SELECT DISTINCT r.caseid FROM reactions r
WHERE getvariable('f_has_event') AND list_contains(getvariable('f_event_pts'), r.pt_key)
  AND r.caseid IN (SELECT caseid FROM population());

CREATE OR REPLACE TEMP TABLE _comparator AS
SELECT DISTINCT d.caseid FROM comparator_drugs() d
WHERE getvariable('f_has_comparator') AND d.caseid IN (SELECT caseid FROM population())
  AND d.caseid NOT IN (SELECT caseid FROM _exposed);

CREATE OR REPLACE TEMP TABLE _selected AS
SELECT caseid FROM _exposed
WHERE getvariable('f_has_exposure') AND (NOT getvariable('f_has_event') OR caseid IN (SELECT caseid FROM _event))
UNION ALL
SELECT caseid FROM _event WHERE NOT getvariable('f_has_exposure') AND getvariable('f_has_event')
UNION ALL
SELECT caseid FROM population() WHERE NOT getvariable('f_has_exposure') AND NOT getvariable('f_has_event');

CREATE OR REPLACE TEMP TABLE _counts AS
SELECT (SELECT count(*) FROM population()) AS n_population;

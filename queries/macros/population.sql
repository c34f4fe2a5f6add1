-- The predicates of the population (current cases that pass the filters). explorer.selection.bind() joins with AND
-- only those of the filters in use into the population() macro, so a filter that is not set costs nothing.
-- Each predicate reads its value from a session variable bound by bind(); no value is ever written into the SQL.

-- predicate: received_from
c.received_date >= getvariable('f_received_from')

-- predicate: received_to
c.received_date <= getvariable('f_received_to')

-- predicate: event_from
c.event_date >= getvariable('f_event_from')

-- predicate: event_to
c.event_date <= getvariable('f_event_to')

-- predicate: sexes
list_contains(getvariable('f_sexes'), c.sex)

-- predicate: age_min
c.age_years >= getvariable('f_age_min')

-- predicate: age_max
c.age_years < getvariable('f_age_max')

-- predicate: countries
list_contains(getvariable('f_countries'), c.country)

-- predicate: occupations
list_contains(getvariable('f_occupations'), c.occp_cod)

-- predicate: report_types
list_contains(getvariable('f_report_types'), c.rept_cod)

-- predicate: serious
c.is_serious

-- predicate: outcome_codes
c.caseid IN (SELECT caseid FROM outcomes WHERE list_contains(getvariable('f_outcome_codes'), outc_cod))

-- predicate: exclude_outbreak
c.caseid NOT IN (
    SELECT i.caseid FROM drug_ingredients i
    JOIN reaction_index r ON r.caseid = i.caseid
    JOIN cases oc ON oc.caseid = i.caseid
    WHERE i.ingredient = getvariable('f_outbreak_ingredient')
      AND list_contains(getvariable('f_outbreak_pts'), r.pt_key)
      AND oc.received_date BETWEEN getvariable('f_outbreak_from') AND getvariable('f_outbreak_to'))

-- predicate: exclude_probable_duplicates
c.caseid NOT IN (SELECT caseid FROM probable_duplicates)

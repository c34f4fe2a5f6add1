-- name: signal_cells_sets
-- title: 2x2 cells of several events at once for the bound exposure, comparator and filters (case counts)
-- parameters: $set_names (one name per event), $set_key (the key of the events' cases in _set_hits)
-- Each row holds the cells signal_cells gives when that event is the bound one, found in one pass instead of a bind
-- per event (the screening's event groups, a forest plot's PTs): an event's cases are the population's cases that
-- report any of its PTs (_set_hits, filled by selection.ensure_set_hits, whatever the filters, with their
-- case rows in _set_cases that set_population() filters); the reference group
-- is the comparator's cases, or else every other case of the population (_counts, filled by
-- selection.ensure_population_count). One row per name, events without a case included.
WITH g AS (SELECT unnest($set_names::VARCHAR[]) AS name),
     hit AS (SELECT name, caseid FROM _set_hits),
     ev AS (SELECT hit.name, hit.caseid FROM hit SEMI JOIN set_population() p ON p.caseid = hit.caseid),
     n AS (SELECT (SELECT count(*) FROM _exposed) AS n_exposed,
                  CASE WHEN getvariable('f_has_comparator') THEN (SELECT count(*) FROM _comparator)
                       ELSE (SELECT n_population FROM _counts) - (SELECT count(*) FROM _exposed) END AS n_reference),
     cells AS (
         SELECT ev.name,
                count(*) FILTER (WHERE ev.caseid IN (SELECT caseid FROM _exposed)) AS a,
                CASE WHEN getvariable('f_has_comparator')
                     THEN count(*) FILTER (WHERE ev.caseid IN (SELECT caseid FROM _comparator))
                     ELSE count(*) FILTER (WHERE ev.caseid NOT IN (SELECT caseid FROM _exposed)) END AS c
         FROM ev GROUP BY ev.name)
SELECT g.name, coalesce(cells.a, 0) AS a, n.n_exposed - coalesce(cells.a, 0) AS b, coalesce(cells.c, 0) AS c,
       n.n_reference - coalesce(cells.c, 0) AS d
FROM g LEFT JOIN cells USING (name) CROSS JOIN n
-- every row checks that _set_hits holds these events' cases (an empty _set_hits would check nothing)
WHERE coalesce(getvariable('f_set_hits_key') = $set_key, false)
      OR error('the events'' cases are not those asked for: run selection.ensure_set_hits() first')

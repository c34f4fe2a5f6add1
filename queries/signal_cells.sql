-- name: signal_cells
-- title: 2x2 cells of the selection: exposed/reference cases with/without the event (case counts)
-- parameters: none (uses the bound selection)
WITH n AS (
    SELECT (SELECT count(*) FROM _exposed) AS n_exposed,
           (SELECT count(*) FROM _exposed SEMI JOIN _event USING (caseid)) AS a,
           CASE WHEN getvariable('f_has_comparator') THEN (SELECT count(*) FROM _comparator)
                ELSE (SELECT n_population FROM _counts) - (SELECT count(*) FROM _exposed) END AS n_reference,
           CASE WHEN getvariable('f_has_comparator')
                THEN (SELECT count(*) FROM _comparator SEMI JOIN _event USING (caseid))
                ELSE (SELECT count(*) FROM _event ANTI JOIN _exposed USING (caseid)) END AS c
)
SELECT a, n_exposed - a AS b, c, n_reference - c AS d FROM n

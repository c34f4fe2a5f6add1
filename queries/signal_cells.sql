-- name: signal_cells
-- title: 2x2 cells of the selection: exposed/reference cases with/without the event (case counts)
-- parameters: none (uses the bound selection)
WITH e AS (SELECT caseid FROM exposed_cases()),
     r AS (SELECT caseid FROM reference_cases()),
     v AS (SELECT caseid FROM event_cases())
SELECT (SELECT count(*) FROM e SEMI JOIN v ON e.caseid = v.caseid) AS a,
       (SELECT count(*) FROM e ANTI JOIN v ON e.caseid = v.caseid) AS b,
       (SELECT count(*) FROM r SEMI JOIN v ON r.caseid = v.caseid) AS c,
       (SELECT count(*) FROM r ANTI JOIN v ON r.caseid = v.caseid) AS d

-- name: screen_events
-- title: Screening for an exposure: 2x2 cells of every PT reported with it
-- parameters: none (uses the bound selection)
WITH e AS (SELECT caseid FROM exposed_cases()),
     r AS (SELECT caseid FROM reference_cases()),
     ne AS (SELECT count(*) AS n FROM e),
     nr AS (SELECT count(*) AS n FROM r),
     pe AS (SELECT x.pt_key, any_value(x.pt_name) AS pt, count(DISTINCT x.caseid) AS a
            FROM reactions x SEMI JOIN e ON x.caseid = e.caseid GROUP BY x.pt_key),
     pr AS (SELECT x.pt_key, count(DISTINCT x.caseid) AS c
            FROM reactions x SEMI JOIN r ON x.caseid = r.caseid
            WHERE x.pt_key IN (SELECT pt_key FROM pe) GROUP BY x.pt_key)
SELECT pe.pt_key, pe.pt, pe.a, ne.n - pe.a AS b, coalesce(pr.c, 0) AS c, nr.n - coalesce(pr.c, 0) AS d
FROM pe CROSS JOIN ne CROSS JOIN nr LEFT JOIN pr USING (pt_key)
ORDER BY pe.a DESC, pe.pt

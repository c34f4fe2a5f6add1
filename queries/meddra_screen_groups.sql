-- name: meddra_screen_groups
-- title: Screening for an exposure by MedDRA SOC or HLT: 2x2 cells of every primary SOC (or HLT) reported with it
-- parameters: $by
-- $by: soc or hlt. Each PT counts under its primary path (its primary SOC, and the HLT of that path), so a PT is
-- in one group only; a case is in a group when any of its PTs is. Reported terms that map to no current PT are in
-- none.
WITH grp AS (
    SELECT p.pt_key, CASE $by WHEN 'soc' THEN h.soc_code ELSE h.hlt_code END AS code,
           CASE $by WHEN 'soc' THEN h.soc_name ELSE h.hlt_name END AS name
    FROM meddra_pt p
    JOIN meddra_hierarchy h ON h.version = p.version AND h.pt_code = p.pt_code AND h.soc_code = p.primary_soc_code
    WHERE p.version = (SELECT version FROM meddra_versions WHERE is_current)
    QUALIFY row_number() OVER (PARTITION BY p.pt_code ORDER BY h.is_primary_soc DESC, h.hlt_code) = 1
),
e AS (SELECT caseid FROM exposed_cases()),
r AS (SELECT caseid FROM reference_cases()),
ne AS (SELECT count(*) AS n FROM e),
nr AS (SELECT count(*) AS n FROM r),
pe AS (SELECT g.code, any_value(g.name) AS name, count(DISTINCT x.caseid) AS a
       FROM reactions x JOIN grp g USING (pt_key) SEMI JOIN e ON x.caseid = e.caseid GROUP BY g.code),
pr AS (SELECT g.code, count(DISTINCT x.caseid) AS c
       FROM reactions x JOIN grp g USING (pt_key) SEMI JOIN r ON x.caseid = r.caseid
       WHERE g.code IN (SELECT code FROM pe) GROUP BY g.code)
SELECT pe.code, pe.name, pe.a, ne.n - pe.a AS b, coalesce(pr.c, 0) AS c, nr.n - coalesce(pr.c, 0) AS d
FROM pe CROSS JOIN ne CROSS JOIN nr LEFT JOIN pr USING (code)
ORDER BY pe.a DESC, pe.name

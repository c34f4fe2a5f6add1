-- name: screen_events
-- title: Screening for an exposure: 2x2 cells of every PT reported with it
-- parameters: none (uses the bound selection)
-- a: the exposed cases reporting the PT, counted in _exposed_pts (the exposure's PT rows, kept across filter
-- changes by selection.ensure_exposed_pts); c: the reference cases reporting it. The reference group is the
-- comparator's cases, or else the population less the exposed cases: then c is the PT's cases in the population
-- less a, and d the population's size (_counts: selection.ensure_population_count) less a, b and c. With no filter
-- the population is every current case and the PT's count is pt_vocab's; otherwise it is _pop_pt's
-- (selection.ensure_population_pts: kept per stratum, or counted case by case). (The branches not taken are removed
-- when the query is planned: the variables are constants.)
-- (ne's one row checks that _exposed_pts is the bound exposure's: the check runs even when no row comes out)
WITH ne AS (SELECT count(*) AS n FROM _exposed HAVING exposed_pts_current()),
     nr AS (SELECT CASE WHEN getvariable('f_has_comparator') THEN (SELECT count(*) FROM _comparator)
                        ELSE (SELECT n_population FROM _counts) - (SELECT n FROM ne) END AS n),
     pe AS (SELECT x.pt_key, count(*) AS a FROM _exposed_pts x SEMI JOIN _exposed e ON x.caseid = e.caseid
            GROUP BY x.pt_key),
     in_population AS (
         SELECT v.pt_key, v.n_cases AS n FROM pt_vocab v SEMI JOIN pe ON v.pt_key = pe.pt_key
         WHERE getvariable('f_whole_population') AND NOT getvariable('f_has_comparator')
         UNION ALL
         SELECT k.pt_key, k.n FROM _pop_pt k SEMI JOIN pe ON k.pt_key = pe.pt_key
         WHERE NOT getvariable('f_whole_population') AND NOT getvariable('f_has_comparator')),
     pr AS (SELECT p.pt_key, p.n - pe.a AS c FROM in_population p JOIN pe USING (pt_key)
            UNION ALL
            SELECT ri.pt_key, count(*) AS c FROM reaction_index ri SEMI JOIN _comparator k ON ri.caseid = k.caseid
            WHERE getvariable('f_has_comparator') GROUP BY ri.pt_key)
SELECT pe.pt_key, v.pt_name AS pt, pe.a, ne.n - pe.a AS b, coalesce(pr.c, 0) AS c, nr.n - coalesce(pr.c, 0) AS d
FROM pe JOIN pt_vocab v USING (pt_key) CROSS JOIN ne CROSS JOIN nr LEFT JOIN pr USING (pt_key)
-- every row checks that the kept rows and counts it reads are the bound selection's (an empty table would check
-- nothing)
WHERE (getvariable('f_has_comparator') OR population_count_current())
  AND (getvariable('f_whole_population') OR getvariable('f_has_comparator') OR population_pts_current())
ORDER BY pe.a DESC, pt

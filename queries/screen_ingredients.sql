-- name: screen_ingredients
-- title: Screening for an event: 2x2 cells of every ingredient (in the exposure's roles) reported with it
-- parameters: none (uses the bound selection)
WITH p AS (SELECT caseid FROM population()),
     v AS (SELECT caseid FROM event_cases()),
     n AS (SELECT count(*) AS n FROM p),
     nv AS (SELECT count(*) AS n FROM v),
     ing AS (
        SELECT i.ingredient, count(DISTINCT i.caseid) AS n_exposed,
               count(DISTINCT i.caseid) FILTER (WHERE i.caseid IN (SELECT caseid FROM v)) AS a
        FROM drug_ingredients i
        WHERE i.caseid IN (SELECT caseid FROM p)
          AND (len(getvariable('f_e_roles')) = 0 OR list_contains(getvariable('f_e_roles'), i.role_cod))
        GROUP BY i.ingredient)
SELECT ing.ingredient, ing.a, ing.n_exposed - ing.a AS b, nv.n - ing.a AS c,
       n.n - ing.n_exposed - nv.n + ing.a AS d
FROM ing CROSS JOIN n CROSS JOIN nv
WHERE ing.a > 0
ORDER BY ing.a DESC, ing.ingredient

-- name: outcomes
-- title: Outcomes reported for the cases of the selection (a case can have several)
-- parameters: none (uses the bound selection)
SELECT o.outc_cod,
       CASE o.outc_cod WHEN 'DE' THEN 'Death' WHEN 'LT' THEN 'Life-threatening' WHEN 'HO' THEN 'Hospitalization'
           WHEN 'DS' THEN 'Disability' WHEN 'CA' THEN 'Congenital anomaly'
           WHEN 'RI' THEN 'Required intervention' WHEN 'OT' THEN 'Other serious' ELSE o.outc_cod END AS outcome,
       count(DISTINCT o.caseid) AS n_cases
FROM outcomes o
WHERE getvariable('f_all_cases') OR o.caseid IN (SELECT caseid FROM selected_cases())
GROUP BY ALL
ORDER BY n_cases DESC, o.outc_cod

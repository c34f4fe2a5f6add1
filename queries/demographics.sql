-- name: demographics
-- title: Cases of the selection by sex, age band, reporter country and reporter type
-- parameters: none (uses the bound selection)
WITH s AS (SELECT * FROM selected_cases())
SELECT 'sex' AS dimension, coalesce(sex, 'unknown') AS value, count(*) AS n_cases FROM s GROUP BY ALL
UNION ALL
SELECT 'age_band', age_band(age_years), count(*) FROM s GROUP BY ALL
UNION ALL
SELECT 'country', coalesce(country, 'unknown'), count(*) FROM s GROUP BY ALL
UNION ALL
SELECT 'reporter', CASE occp_cod WHEN 'MD' THEN 'Physician' WHEN 'PH' THEN 'Pharmacist'
        WHEN 'OT' THEN 'Other health professional' WHEN 'HP' THEN 'Health professional' WHEN 'LW' THEN 'Lawyer'
        WHEN 'CN' THEN 'Consumer' ELSE 'unknown' END, count(*) FROM s GROUP BY ALL
ORDER BY dimension, n_cases DESC, value

-- name: cases_by_year
-- title: Cases of the selection by year and quarter received, serious and non-serious
-- parameters: none (uses the bound selection)
SELECT received_year AS year,
       quarter(received_date) AS quarter,
       count(*) FILTER (WHERE is_serious) AS n_serious,
       count(*) FILTER (WHERE NOT is_serious) AS n_non_serious,
       count(*) AS n_cases
FROM selected_cases()
WHERE received_year IS NOT NULL
GROUP BY ALL
ORDER BY year, quarter

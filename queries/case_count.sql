-- name: case_count
-- title: Cases of the selection: how many, how many serious or fatal, first and last year received
-- parameters: none (uses the bound selection)
SELECT count(*) AS n_cases,
       count(*) FILTER (WHERE is_serious) AS n_serious,
       count(*) FILTER (WHERE is_death) AS n_deaths,
       min(received_year) AS first_year,
       max(received_year) AS last_year
FROM selected_cases()

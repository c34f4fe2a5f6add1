-- name: case_count
-- title: Cases of the selection: how many, how many serious or fatal or flagged as probable duplicates, first and last year received
-- parameters: none (uses the bound selection)
SELECT count(*) AS n_cases,
       count(*) FILTER (WHERE is_serious) AS n_serious,
       count(*) FILTER (WHERE is_death) AS n_deaths,
       count(*) FILTER (WHERE caseid IN (SELECT caseid FROM probable_duplicates)) AS n_probable_duplicates,
       min(received_year) AS first_year,
       max(received_year) AS last_year
FROM selected_cases()

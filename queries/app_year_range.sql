-- name: app_year_range
-- title: First and last year FDA received a current case (the bounds of the dashboard's year slider)
-- parameters: none
SELECT min(received_year) AS first_year, max(received_year) AS last_year FROM cases

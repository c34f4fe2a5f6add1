-- name: app_country_vocab
-- title: Reporter countries of the current cases, most frequent first (the dashboard's country picker)
-- parameters: none
SELECT country FROM cases WHERE country IS NOT NULL GROUP BY country ORDER BY count(*) DESC, country

-- name: app_ingredient_vocab
-- title: Ingredients of the loaded drugs, most frequent first (the dashboard's ingredient picker)
-- parameters: none
SELECT ingredient FROM ingredient_vocab WHERE ingredient IS NOT NULL ORDER BY n_drug_rows DESC, ingredient LIMIT 20000

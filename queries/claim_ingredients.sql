-- name: claim_ingredients
-- title: Ingredient names of the loaded drug rows, most used first (recognised by the claim check)
-- parameters: none
SELECT ingredient FROM ingredient_vocab ORDER BY n_drug_rows DESC, ingredient LIMIT 5000

-- name: vocab_lookup
-- title: Whether a name is a loaded ingredient or PT (what --exclude-from-background reads)
-- parameters: $key (lower case)
SELECT 'ingredient' AS kind FROM ingredient_vocab WHERE ingredient = $key
UNION ALL
SELECT 'pt' AS kind FROM pt_vocab WHERE pt_key = $key

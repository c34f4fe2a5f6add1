-- name: pt_vocab_present
-- title: Whether the store has the PT vocabulary (a store with no reactions may lack it)
-- parameters: none
SELECT count(*) > 0 AS present
FROM information_schema.tables
WHERE table_catalog = current_database() AND table_name = 'pt_vocab'

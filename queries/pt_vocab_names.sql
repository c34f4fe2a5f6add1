-- name: pt_vocab_names
-- title: Every PT name of the loaded reactions (for 'did you mean' hints)
-- parameters: none
SELECT pt_name FROM pt_vocab WHERE pt_name IS NOT NULL

-- name: app_pt_vocab
-- title: MedDRA preferred terms of the loaded reactions, most frequent first (the dashboard's PT picker)
-- parameters: none
SELECT pt_name FROM pt_vocab WHERE pt_name IS NOT NULL ORDER BY n_cases DESC, pt_key LIMIT 30000

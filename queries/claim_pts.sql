-- name: claim_pts
-- title: PT names of the loaded reactions, most reported first (recognised by the claim check)
-- parameters: none
SELECT pt_name FROM pt_vocab WHERE pt_name IS NOT NULL ORDER BY n_cases DESC, pt_key LIMIT 20000

-- name: pt_vocab_known
-- title: Which of the given PT keys (lower case) are reported in a loaded case
-- parameters: $keys (a list of lower-case PT names)
SELECT pt_key FROM pt_vocab WHERE pt_key IN (SELECT unnest($keys))

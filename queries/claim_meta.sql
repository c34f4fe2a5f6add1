-- name: claim_meta
-- title: The store's metadata (model version, build time, data notice)
-- parameters: none
SELECT key, value FROM meta

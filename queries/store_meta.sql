-- name: store_meta
-- title: The store's key/value bookkeeping (model version, data notice, synthetic flag, build time)
-- parameters: none
SELECT key, value FROM meta

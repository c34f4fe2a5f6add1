-- name: store_model_version
-- title: The model version a store was built with (no row: a store from before versions were recorded)
-- parameters: none
SELECT value FROM meta WHERE key = 'model_version'

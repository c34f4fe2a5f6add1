-- name: sandbox_attach
-- title: The SQL page's private instance: the store attached read-only as 'faers'
-- parameters: $path
ATTACH $path AS faers (READ_ONLY)

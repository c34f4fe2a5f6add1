-- name: store_attach
-- title: Attach a store file read-only to an in-memory instance, as the catalog 'store'
-- parameters: $path
ATTACH $path AS store (READ_ONLY)

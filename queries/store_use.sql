-- name: store_use
-- title: Make the attached store the connection's default catalog
-- parameters: none
USE store

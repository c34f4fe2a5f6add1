-- name: sandbox_lock
-- title: The SQL page's private instance: the store as default catalog, no file or network access, settings locked
-- parameters: none
USE faers;
SET enable_external_access = false;
SET lock_configuration = true

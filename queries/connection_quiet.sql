-- name: connection_quiet
-- title: No progress bar of DuckDB's own on this connection (it prints to stdout, across our own progress output
--   and anything a script reads from stdout)
-- parameters: none
SET enable_progress_bar = false

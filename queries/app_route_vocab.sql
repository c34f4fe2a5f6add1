-- name: app_route_vocab
-- title: Canonical routes of the loaded drugs, most frequent first (the dashboard's route picker)
-- parameters: none
SELECT route_canonical FROM route_vocab WHERE route_canonical IS NOT NULL ORDER BY n_drug_rows DESC, route_canonical

-- name: group_pts
-- title: PTs reported in the cases of the selection (only the event's PTs when an event is set)
-- parameters: $limit
SELECT any_value(r.pt_name) AS pt, count(DISTINCT r.caseid) AS n_cases
FROM reactions r
WHERE r.caseid IN (SELECT caseid FROM selected_cases())
  AND (NOT getvariable('f_has_event') OR list_contains(getvariable('f_event_pts'), r.pt_key))
GROUP BY r.pt_key
ORDER BY n_cases DESC, pt
LIMIT $limit

-- name: group_pts
-- title: PTs reported in the cases of the selection (only the event's PTs when an event is set)
-- parameters: $limit
-- Unfiltered and without exposure or event, the counts are pt_vocab's own (every current case).
WITH pairs AS (
    SELECT pt_key, caseid FROM event_reactions()
    WHERE getvariable('f_has_event') AND caseid IN (SELECT caseid FROM selected_cases())
    UNION ALL
    SELECT DISTINCT pt_key, caseid FROM reactions
    WHERE NOT getvariable('f_has_event') AND NOT getvariable('f_all_cases')
      AND caseid IN (SELECT caseid FROM selected_cases())
),
counted AS (
    SELECT pt_key, count(*) AS n_cases FROM pairs GROUP BY ALL
    UNION ALL
    SELECT pt_key, n_cases FROM pt_vocab WHERE getvariable('f_all_cases')
)
SELECT v.pt_name AS pt, c.n_cases
FROM counted c JOIN pt_vocab v USING (pt_key)
ORDER BY c.n_cases DESC, pt
LIMIT $limit

-- name: onset_days_other_events
-- title: Time to onset in the exposure's cases without the event (its other events), per case (full dates only)
-- parameters: none (uses the bound selection)
-- The comparison group of --compare-onset other-events: exposed cases of the population that report none of the
-- event's PTs. The event date is the case's (FAERS has one per case), and the start dates come from
-- _exposure_therapies, as in onset_days.
WITH checked AS (SELECT count(*) AS n FROM _exposure_therapies HAVING exposure_therapies_current())
SELECT c.caseid, min(date_diff('day', t.start_date, c.event_date)) AS onset_days
FROM _exposed x
ANTI JOIN _event v ON v.caseid = x.caseid
JOIN cases c ON c.caseid = x.caseid
JOIN _exposure_therapies t ON t.caseid = c.caseid
CROSS JOIN checked
WHERE c.event_date_precision = 'day' AND c.event_date >= t.start_date
GROUP BY c.caseid
ORDER BY c.caseid

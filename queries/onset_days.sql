-- name: onset_days
-- title: Time to onset: days from the exposure drug's start to the event, per case (full dates only)
-- parameters: none (uses the bound selection)
-- The exposure drugs' start dates come from _exposure_therapies (selection.ensure_exposure_therapies: kept across
-- filter changes); checked's one row checks that they are the bound exposure's, even when no row comes out.
WITH checked AS (SELECT count(*) AS n FROM _exposure_therapies HAVING exposure_therapies_current())
SELECT s.caseid, min(date_diff('day', t.start_date, s.event_date)) AS onset_days
FROM selected_cases() s
JOIN _exposure_therapies t ON t.caseid = s.caseid
CROSS JOIN checked
WHERE s.event_date_precision = 'day' AND s.event_date >= t.start_date
GROUP BY s.caseid
ORDER BY s.caseid

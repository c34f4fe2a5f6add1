-- name: onset_days
-- title: Time to onset: days from the exposure drug's start to the event, per case (full dates only)
-- parameters: none (uses the bound selection)
SELECT s.caseid, min(date_diff('day', t.start_date, s.event_date)) AS onset_days
FROM selected_cases() s
JOIN exposure_rows() d ON d.caseid = s.caseid
JOIN therapies t ON t.caseid = d.caseid AND t.dsg_drug_seq = d.drug_seq
WHERE s.event_date_precision = 'day' AND t.start_date_precision = 'day' AND s.event_date >= t.start_date
GROUP BY s.caseid
ORDER BY s.caseid

-- name: onset_days_comparator
-- title: Time to onset in the comparator's cases with the event, from the comparator drug's start (full dates only)
-- parameters: none (uses the bound selection)
-- The comparison group of --compare-onset comparator: the comparator's cases of the population that report the
-- event and are not exposed (the 2x2's reference group), onset from the comparator drug's start date.
SELECT c.caseid, min(date_diff('day', t.start_date, c.event_date)) AS onset_days
FROM _comparator k
SEMI JOIN _event v ON v.caseid = k.caseid
JOIN cases c ON c.caseid = k.caseid
JOIN comparator_drugs() d ON d.caseid = c.caseid
JOIN therapies t ON t.caseid = d.caseid AND t.dsg_drug_seq = d.drug_seq
WHERE c.event_date_precision = 'day' AND t.start_date_precision = 'day' AND c.event_date >= t.start_date
GROUP BY c.caseid
ORDER BY c.caseid

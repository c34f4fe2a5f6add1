-- name: case_duplicates
-- title: One case's group of probable duplicates (same full event date, age, sex, country, drugs and reactions)
-- parameters: $caseid
-- The group's first received case and every case flagged as its probable duplicate; no rows when the case is in
-- no group.
WITH first_case AS (
    SELECT coalesce((SELECT duplicate_of FROM probable_duplicates WHERE caseid = $caseid::BIGINT),
                    (SELECT DISTINCT duplicate_of FROM probable_duplicates WHERE duplicate_of = $caseid::BIGINT))
        AS caseid
),
members AS (
    SELECT caseid, true AS is_first FROM first_case WHERE caseid IS NOT NULL
    UNION ALL
    SELECT caseid, false FROM probable_duplicates WHERE duplicate_of = (SELECT caseid FROM first_case)
)
SELECT c.caseid, m.is_first AS first_received, c.primaryid, c.received_date, c.rept_cod, c.occp_cod, c.mfr_sndr,
       c.mfr_num, c.caseid = $caseid::BIGINT AS this_case
FROM members m JOIN cases c USING (caseid)
ORDER BY m.is_first DESC, c.received_date, c.caseid

-- name: case_listing
-- title: Line listing of the cases of the selection, one page, sorted
-- parameters: $sort (received_date, event_date, age_years, caseid), $descending, $limit, $offset
WITH s AS (SELECT * FROM selected_cases()),
pts AS (
    SELECT r.caseid, string_agg(DISTINCT r.pt_name, '; ' ORDER BY r.pt_name) AS reactions
    FROM reactions r WHERE r.caseid IN (SELECT caseid FROM s) GROUP BY r.caseid
),
exp AS (
    SELECT caseid, string_agg(DISTINCT concat_ws(' ', drugname, '(' || route_canonical || ')'), '; ') AS exposure_drugs
    FROM exposure_drugs() WHERE caseid IN (SELECT caseid FROM s) GROUP BY caseid
)
SELECT s.caseid, s.primaryid, s.received_date, s.event_date, s.event_date_precision, s.sex, s.age_years,
       s.country, s.occp_cod, s.rept_cod, s.is_serious, s.is_death, exp.exposure_drugs, pts.reactions,
       count(*) OVER () AS n_total
FROM s LEFT JOIN pts USING (caseid) LEFT JOIN exp USING (caseid)
ORDER BY
    CASE WHEN $descending THEN NULL ELSE CASE $sort WHEN 'received_date' THEN s.received_date
                                                    WHEN 'event_date' THEN s.event_date END END ASC NULLS LAST,
    CASE WHEN $descending THEN CASE $sort WHEN 'received_date' THEN s.received_date
                                          WHEN 'event_date' THEN s.event_date END END DESC NULLS LAST,
    CASE WHEN $descending OR $sort <> 'age_years' THEN NULL ELSE s.age_years END ASC NULLS LAST,
    CASE WHEN $descending AND $sort = 'age_years' THEN s.age_years END DESC NULLS LAST,
    CASE WHEN $descending THEN NULL ELSE try_cast(s.caseid AS BIGINT) END ASC,
    CASE WHEN $descending THEN try_cast(s.caseid AS BIGINT) END DESC
LIMIT $limit OFFSET $offset

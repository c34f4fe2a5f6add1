-- name: case_listing
-- title: Line listing of the cases of the selection, one page, sorted
-- parameters: $sort (received_date, event_date, age_years, caseid), $descending, $limit, $offset
-- The page is cut first (a top-N over the selected cases), then only its cases' reactions and drugs are read.
WITH s AS (
    SELECT *,
           CASE $sort WHEN 'received_date' THEN epoch(received_date) WHEN 'event_date' THEN epoch(event_date)
                      WHEN 'age_years' THEN age_years ELSE caseid END * CASE WHEN $descending THEN -1 ELSE 1 END
               AS _key,
           caseid * CASE WHEN $descending THEN -1 ELSE 1 END AS _tie
    FROM selected_cases()
),
page AS (SELECT * FROM s ORDER BY _key ASC NULLS LAST, _tie LIMIT $limit OFFSET $offset),
pts AS (
    SELECT r.caseid, string_agg(DISTINCT r.pt_name, '; ' ORDER BY r.pt_name) AS reactions
    FROM reactions r WHERE r.caseid IN (SELECT caseid FROM page) GROUP BY r.caseid
),
exp AS (
    SELECT caseid, string_agg(DISTINCT concat_ws(' ', drugname, '(' || route_canonical || ')'), '; ') AS exposure_drugs
    FROM exposure_rows() WHERE caseid IN (SELECT caseid FROM page) GROUP BY caseid
)
SELECT p.caseid, p.primaryid, p.received_date, p.event_date, p.event_date_precision, p.sex, p.age_years,
       p.country, p.occp_cod, p.rept_cod, p.is_serious, p.is_death, exp.exposure_drugs, pts.reactions,
       dup.duplicate_of AS probable_duplicate_of, (SELECT count(*) FROM s) AS n_total
FROM page p LEFT JOIN pts USING (caseid) LEFT JOIN exp USING (caseid)
LEFT JOIN probable_duplicates dup USING (caseid)
ORDER BY p._key ASC NULLS LAST, p._tie

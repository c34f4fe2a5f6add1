-- name: rejects_by_reason
-- title: Rejected lines by quarter, table and reason
-- parameters: none
SELECT quarter, table_name, reason, count(*) AS lines, min(line_no) AS first_line
FROM rejects
GROUP BY ALL
ORDER BY quarter, table_name, lines DESC

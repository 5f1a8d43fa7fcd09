-- The run's most common quarantine reasons with their detail, for the run summary
-- (quarantineReasons) and the quality alert: at most 5 (reason codes, detail) groups,
-- the largest first; ties in code and detail order (NULLS FIRST: the engines' defaults differ).
SELECT reason_codes_csv, reason_detail, rows, rank
FROM (
  SELECT
    reason_codes_csv,
    reason_detail,
    count(*) AS rows,
    ROW_NUMBER() OVER (ORDER BY count(*) DESC, reason_codes_csv, reason_detail NULLS FIRST) AS rank
  FROM quarantine_new
  GROUP BY reason_codes_csv, reason_detail
) grouped
WHERE rank <= 5

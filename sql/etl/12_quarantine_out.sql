-- The quarantine partitions to rewrite: existing rows plus this run's, one row per
-- (raw_object, line_number), so reprocessing an object is idempotent. The first run
-- that quarantined a row keeps it (its job_run_id stays).
SELECT raw_object, line_number, reason_codes, reason_detail, raw_record, symbol, job_run_id, date
FROM (
  SELECT
    u.*,
    ROW_NUMBER() OVER (PARTITION BY raw_object, line_number ORDER BY is_new, job_run_id) AS copy_rank
  FROM (
    SELECT raw_object, line_number, reason_codes, reason_detail, raw_record, symbol, job_run_id, date, 0 AS is_new
    FROM existing_quarantine
    UNION ALL
    SELECT raw_object, line_number, reason_codes, reason_detail, raw_record, symbol, job_run_id, date, 1 AS is_new
    FROM quarantine_new
  ) u
) ranked
WHERE copy_rank = 1

-- This run's rejected rows, partitioned by the UTC date the raw object was written.
-- reason_codes_csv is kept for 13_quarantine_top (the file carries only the table's columns).
SELECT
  v.raw_object,
  v.line_number,
  split(v.reason_codes_csv, ',') AS reason_codes,
  v.reason_detail,
  v.reason_codes_csv,
  v.raw_record,
  v.symbol,
  r.job_run_id,
  v.object_date AS date
FROM validated_records v
CROSS JOIN run_params r
WHERE v.reason_codes_csv <> ''

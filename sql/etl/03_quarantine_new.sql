-- This run's rejected rows, partitioned by the UTC date the raw object was written.
SELECT
  v.raw_object,
  v.line_number,
  split(v.reason_codes_csv, ',') AS reason_codes,
  v.raw_record,
  v.symbol,
  r.job_run_id,
  r.plan_version,
  v.object_date AS date
FROM validated_records v
CROSS JOIN run_params r
WHERE v.reason_codes_csv <> ''

-- The run's parameters, one row every step may read (CROSS JOIN run_params), typed here
-- once for both engines. run_inputs is what the runner provides, one row of text:
-- job_run_id, now_text (the run's clock, ISO-8601 UTC: timestamp_in_future), min_date
-- (YYYY-MM-DD, the staging limits' date floor: timestamp_before_floor) and plan_version
-- (the hash of the plan and its SQL, on every row the run produces).
SELECT
  job_run_id,
  {{to_timestamp}}(now_text) AS now_ts,
  CAST(min_date AS TIMESTAMP) AS min_ts,
  plan_version
FROM run_inputs

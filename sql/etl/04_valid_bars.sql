-- This run's clean rows, typed, before dedupe. is_new = 1 marks them against the
-- existing rows of the partitions they touch. They carry this run's plan version: this
-- plan validated them.
SELECT
  v.symbol, v.exchange, v.mic_code, v.currency, v.instrument_type, v.interval, v.ts,
  v.open, v.high, v.low, v.close, v.volume, v.source, v.ingested_at, v.raw_object, v.line_number,
  CAST(CAST(v.ts AS DATE) AS STRING) AS date,
  r.plan_version,
  1 AS is_new,
  0 AS is_context
FROM validated_records v
CROSS JOIN run_params r
WHERE v.reason_codes_csv = ''

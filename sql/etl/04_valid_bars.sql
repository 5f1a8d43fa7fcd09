-- This run's clean rows, typed, before dedupe. is_new = 1 marks them against the
-- existing rows of the partitions they touch.
SELECT
  symbol, exchange, mic_code, currency, instrument_type, interval, ts,
  open, high, low, close, volume, source, ingested_at, raw_object, line_number,
  CAST(CAST(ts AS DATE) AS STRING) AS date,
  1 AS is_new,
  0 AS is_context
FROM validated_records
WHERE reason_codes_csv = ''

-- Typed view of the staged raw records. staged_records holds every field as text, as
-- the format reader found it (trimmed, '' and JSON null as NULL); nothing is rejected
-- here, only converted.
-- Twelve Data times are wall-clock in the exchange zone (tz), everything else is UTC
-- or carries its own offset.
SELECT
  raw_object,
  line_number,
  raw_record,
  object_date,
  stage_error,
  unknown_keys,
  NULLIF(symbol, '') AS symbol,
  COALESCE(exchange, '') AS exchange,
  NULLIF(mic_code, '') AS mic_code,
  NULLIF(currency, '') AS currency,
  NULLIF(instrument_type, '') AS instrument_type,
  NULLIF(interval, '') AS interval,
  NULLIF(ts, '') AS ts_text,
  NULLIF(open, '') AS open_text,
  NULLIF(high, '') AS high_text,
  NULLIF(low, '') AS low_text,
  NULLIF(close, '') AS close_text,
  NULLIF(volume, '') AS volume_text,
  COALESCE(NULLIF(source, ''), 'file') AS source,
  CASE
    WHEN NULLIF(tz, '') IS NULL THEN {{to_timestamp}}(ts)
    ELSE {{local_to_utc}}({{to_timestamp}}(ts), tz)
  END AS ts,
  {{to_double}}(open) AS open,
  {{to_double}}(high) AS high,
  {{to_double}}(low) AS low,
  {{to_double}}(close) AS close,
  {{to_double}}(volume) AS volume,
  {{to_timestamp}}(COALESCE(NULLIF(ingested_at, ''), object_ingested_at)) AS ingested_at
FROM staged_records

-- Typed view of the staged raw records. staged_records holds every field as text, as
-- the format reader found it ('' and JSON null as NULL); nothing is rejected here, only
-- converted. Every field is trimmed here, whatever the format: CSV and Twelve Data
-- readers trim, NDJSON text comes as written ("AAPL " must not be a second symbol).
-- Twelve Data times are wall-clock in the exchange zone (tz), everything else is UTC
-- or carries its own offset.
SELECT
  raw_object,
  line_number,
  raw_record,
  object_date,
  stage_error,
  unknown_keys,
  duplicate_keys,
  NULLIF(trim(symbol), '') AS symbol,
  COALESCE(trim(exchange), '') AS exchange,
  NULLIF(trim(mic_code), '') AS mic_code,
  NULLIF(trim(currency), '') AS currency,
  NULLIF(trim(instrument_type), '') AS instrument_type,
  NULLIF(trim(interval), '') AS interval,
  NULLIF(trim(ts), '') AS ts_text,
  -- A numeric UTC offset beyond ±14:00 (or with 60+ minutes): no real zone has one.
  COALESCE(
    CAST(NULLIF(regexp_extract(trim(ts), '[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?[+-]([0-9]{2}):?([0-9]{2})?$', 3), '') AS INT) * 60
      + COALESCE(CAST(NULLIF(regexp_extract(trim(ts), '[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?[+-]([0-9]{2}):?([0-9]{2})?$', 4), '') AS INT), 0)
      > 14 * 60
    OR CAST(NULLIF(regexp_extract(trim(ts), '[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?[+-]([0-9]{2}):?([0-9]{2})?$', 4), '') AS INT) >= 60,
    false
  ) AS ts_offset_out_of_range,
  NULLIF(trim(open), '') AS open_text,
  NULLIF(trim(high), '') AS high_text,
  NULLIF(trim(low), '') AS low_text,
  NULLIF(trim(close), '') AS close_text,
  NULLIF(trim(volume), '') AS volume_text,
  COALESCE(NULLIF(trim(source), ''), 'file') AS source,
  CASE
    WHEN NULLIF(trim(tz), '') IS NULL THEN {{to_timestamp}}(trim(ts))
    ELSE {{local_to_utc}}({{to_timestamp}}(trim(ts)), trim(tz))
  END AS ts,
  {{to_double}}(trim(open)) AS open,
  {{to_double}}(trim(high)) AS high,
  {{to_double}}(trim(low)) AS low,
  {{to_double}}(trim(close)) AS close,
  {{to_double}}(trim(volume)) AS volume,
  {{to_timestamp}}(COALESCE(NULLIF(ingested_at, ''), object_ingested_at)) AS ingested_at
FROM staged_records

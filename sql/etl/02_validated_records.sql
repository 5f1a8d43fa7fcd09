-- Every quarantine rule, as a comma-separated list of reason codes ('' = clean row).
-- A record the reader could not parse carries only its stage error.
-- Dates before run_params.min_ts (the floor, default 1800-01-01) are typos, not history.
-- (x - x) = 0 is the portable finiteness test: false for NaN and +-Infinity (both
-- engines order NaN above every number, so OHLC checks only look at finite prices).
-- Only what later steps need is kept: the typed fields, and the raw text of rejected
-- rows (the bulk of clean rows never carries it forward).
-- reason_detail names the fields behind missing_field, unknown_field and duplicate_field
-- ('missing: symbol, ts; unknown: ticker, time; duplicate: ts, timestamp'), canonical
-- names for missing ones, the record's own spelling for the others; each list is cut
-- at 200 characters with '…' (lengths and substrings count code points on both engines).
SELECT
  raw_object, line_number, object_date,
  symbol, exchange, mic_code, currency, instrument_type, interval, ts,
  open, high, low, close, volume, source, ingested_at,
  reason_codes_csv,
  CASE WHEN reason_codes_csv <> '' THEN raw_record END AS raw_record,
  CASE
    WHEN reason_codes_csv <> '' AND stage_error IS NULL THEN NULLIF(concat_ws(
      '; ',
      CASE WHEN missing_fields <> '' THEN 'missing: ' || missing_fields END,
      CASE WHEN unknown_keys IS NOT NULL THEN 'unknown: ' || CASE
        WHEN length(unknown_keys) > 200 THEN substr(unknown_keys, 1, 199) || '…' ELSE unknown_keys
      END END,
      CASE WHEN duplicate_keys IS NOT NULL THEN 'duplicate: ' || CASE
        WHEN length(duplicate_keys) > 200 THEN substr(duplicate_keys, 1, 199) || '…' ELSE duplicate_keys
      END END
    ), '')
  END AS reason_detail
FROM (
  SELECT
    p.*,
    CASE
      WHEN p.stage_error IS NOT NULL THEN p.stage_error
      ELSE concat_ws(
        ',',
        CASE WHEN p.missing_fields <> '' THEN 'missing_field' END,
        CASE WHEN p.unknown_keys IS NOT NULL THEN 'unknown_field' END,
        -- A field named twice (ts and timestamp): which one was meant is not ours to guess.
        CASE WHEN p.duplicate_keys IS NOT NULL THEN 'duplicate_field' END,
        CASE WHEN p.interval IS NOT NULL AND i.interval IS NULL THEN 'unknown_interval' END,
        CASE
          WHEN (p.open_text IS NOT NULL AND p.open IS NULL) OR (p.high_text IS NOT NULL AND p.high IS NULL)
            OR (p.low_text IS NOT NULL AND p.low IS NULL) OR (p.close_text IS NOT NULL AND p.close IS NULL)
          THEN 'price_not_numeric'
        END,
        CASE
          WHEN NOT ((p.open - p.open) = 0) OR NOT ((p.high - p.high) = 0)
            OR NOT ((p.low - p.low) = 0) OR NOT ((p.close - p.close) = 0)
          THEN 'price_not_finite'
        END,
        CASE WHEN p.open <= 0 OR p.high <= 0 OR p.low <= 0 OR p.close <= 0 THEN 'price_not_positive' END,
        CASE
          WHEN (p.open + p.high + p.low + p.close) - (p.open + p.high + p.low + p.close) = 0
            AND (p.high < greatest(p.open, p.close) OR p.low > least(p.open, p.close))
          THEN 'ohlc_inconsistent'
        END,
        CASE WHEN p.volume_text IS NOT NULL AND p.volume IS NULL THEN 'volume_not_numeric' END,
        CASE WHEN NOT ((p.volume - p.volume) = 0) THEN 'volume_not_finite' END,
        CASE WHEN p.volume < 0 THEN 'volume_negative' END,
        -- (An out-of-range offset is its own reason: Spark's parser refuses it, DuckDB's not.)
        CASE
          WHEN p.ts_text IS NOT NULL AND p.ts IS NULL AND NOT p.ts_offset_out_of_range
          THEN 'timestamp_unparseable'
        END,
        CASE WHEN p.ts > r.now_ts THEN 'timestamp_in_future' END,
        CASE WHEN p.ts < r.min_ts THEN 'timestamp_before_floor' END,
        -- Real UTC offsets lie within ±14:00; a parser that takes +25:00 shifts the bar a day.
        CASE WHEN p.ts_offset_out_of_range THEN 'timestamp_offset_out_of_range' END,
        -- The symbol becomes a folder name (symbol=<escaped>, at most 255 bytes): 80 bytes
        -- escape to at most 240. Checked here, before anything is written.
        CASE WHEN {{byte_length}}(p.symbol) > 80 THEN 'symbol_too_long' END,
        CASE WHEN p.ingested_at IS NULL THEN 'ingested_at_unparseable' END
      )
    END AS reason_codes_csv
  FROM (
    SELECT
      *,
      concat_ws(
        ', ',
        CASE WHEN symbol IS NULL THEN 'symbol' END,
        CASE WHEN interval IS NULL THEN 'interval' END,
        CASE WHEN ts_text IS NULL THEN 'ts' END,
        CASE WHEN open_text IS NULL THEN 'open' END,
        CASE WHEN high_text IS NULL THEN 'high' END,
        CASE WHEN low_text IS NULL THEN 'low' END,
        CASE WHEN close_text IS NULL THEN 'close' END
      ) AS missing_fields
    FROM parsed_records
  ) p
  CROSS JOIN run_params r
  LEFT JOIN intervals i ON i.interval = p.interval
) checked

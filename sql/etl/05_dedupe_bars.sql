-- New rows plus the existing rows of every partition to rewrite (is_context = 1:
-- read only, the previous partition holding the bar before). One winner per
-- (symbol, exchange, interval, ts): latest ingested_at, then raw object key, then
-- line; a tie between an existing row and a new one is the same row read again,
-- and the new copy is kept. The result is the same whatever the arrival order.
-- An existing row keeps its plan_version (NULL: written before plan versions): it was not
-- validated again, only carried over; a new copy that wins carries this run's.
-- A view: bars_out reads only the winners, so the ranked rows are never stored.
SELECT
  u.*,
  ROW_NUMBER() OVER (
    PARTITION BY symbol, exchange, interval, ts
    ORDER BY ingested_at DESC, raw_object DESC, line_number DESC, is_new DESC
  ) AS revision_rank
FROM (
  SELECT * FROM valid_bars
  UNION ALL
  SELECT
    symbol, exchange, mic_code, currency, instrument_type, interval, ts,
    open, high, low, close, volume, source, ingested_at, raw_object,
    CAST(NULL AS BIGINT) AS line_number,
    date, plan_version, 0 AS is_new, is_context
  FROM existing_bars
) u

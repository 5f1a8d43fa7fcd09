-- The hourly partitions (by date) to rewrite: their existing rows, except the
-- symbol-days just recomputed, plus the fresh rollup. Partitioned by date only, so a
-- day is one file for all symbols instead of one tiny file per symbol.
SELECT
  symbol, exchange, mic_code, currency, instrument_type, interval, ts,
  open, high, low, close, volume, vwap, bar_count, date
FROM existing_hourly e
WHERE NOT EXISTS (
  SELECT 1 FROM bars_out b
  WHERE b.is_context = 0 AND b.symbol = e.symbol AND b.date = e.date
)
UNION ALL
SELECT
  symbol, exchange, mic_code, currency, instrument_type, interval, ts,
  open, high, low, close, volume, vwap, bar_count, date
FROM hourly_fresh

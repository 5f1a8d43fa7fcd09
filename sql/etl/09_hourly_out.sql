-- The hourly partitions (by date) to rewrite: their existing rows, except the
-- symbol-days just recomputed, plus the fresh rollup. Partitioned by date only, so a
-- day is one file for all symbols instead of one tiny file per symbol. A fresh row
-- carries this run's plan version (this plan rolled it up); a kept one keeps its own.
SELECT
  symbol, exchange, mic_code, currency, instrument_type, interval, ts,
  open, high, low, close, volume, vwap, bar_count, plan_version, date
FROM existing_hourly e
WHERE NOT EXISTS (
  SELECT 1 FROM bars_out b
  WHERE b.is_context = 0 AND b.symbol = e.symbol AND b.date = e.date
)
UNION ALL
SELECT
  f.symbol, f.exchange, f.mic_code, f.currency, f.instrument_type, f.interval, f.ts,
  f.open, f.high, f.low, f.close, f.volume, f.vwap, f.bar_count, r.plan_version, f.date
FROM hourly_fresh f
CROSS JOIN run_params r

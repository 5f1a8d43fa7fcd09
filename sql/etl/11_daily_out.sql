-- The daily partitions (by month) to rewrite: existing rows minus the recomputed
-- symbol-days, plus the fresh ones; returns are recomputed over the whole set so a
-- late Monday fixes Tuesday. Context rows (is_context = 1, the month before) only
-- supply the previous trading day's close. By month: ~21 rows a symbol per file.
-- A fresh row carries this run's plan version (this plan rolled it up); a kept one keeps
-- its own, though its returns are recomputed here.
SELECT
  symbol, exchange, mic_code, currency, instrument_type, trade_date,
  open, high, low, close, volume, vwap, bar_count,
  close / LAG(close) OVER by_symbol - 1 AS daily_return,
  ln(close / LAG(close) OVER by_symbol) AS log_return,
  plan_version,
  substr(CAST(trade_date AS STRING), 1, 7) AS month,
  is_context
FROM (
  SELECT
    symbol, exchange, mic_code, currency, instrument_type, trade_date,
    open, high, low, close, volume, vwap, bar_count, plan_version, is_context
  FROM existing_daily e
  WHERE NOT EXISTS (
    SELECT 1 FROM daily_fresh f
    WHERE f.symbol = e.symbol AND f.exchange = e.exchange AND f.trade_date = e.trade_date
  )
  UNION ALL
  SELECT
    f.symbol, f.exchange, f.mic_code, f.currency, f.instrument_type, f.trade_date,
    f.open, f.high, f.low, f.close, f.volume, f.vwap, f.bar_count, r.plan_version, 0 AS is_context
  FROM daily_fresh f
  CROSS JOIN run_params r
) merged
WINDOW by_symbol AS (PARTITION BY symbol, exchange ORDER BY trade_date)

-- description: Daily OHLCV bars of one symbol with their VWAP, for the candlestick chart.
-- Source: ohlcv.bars_daily (partition pruning by month).
-- @param symbol string  the symbol
-- @param start_date date  first trade date, inclusive
-- @param end_date date  last trade date, inclusive
SELECT
  trade_date AS ts,
  open,
  high,
  low,
  close,
  volume,
  vwap
FROM ohlcv.bars_daily
WHERE "month" BETWEEN substr(:start_date, 1, 7) AND substr(:end_date, 1, 7)
  AND trade_date BETWEEN CAST(:start_date AS DATE) AND CAST(:end_date AS DATE)
  AND symbol = :symbol
ORDER BY trade_date, bar_count DESC

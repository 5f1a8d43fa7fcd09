-- description: Hourly OHLCV bars of one symbol with their VWAP, for the candlestick chart.
-- Source: ohlcv.bars_hourly (partition pruning by date). Where one hour was rolled up from bars
-- of two intervals, the finer roll-up (more bars) comes first; the dashboard keeps one per hour.
-- @param symbol string  the symbol
-- @param start_date date  first UTC date, inclusive
-- @param end_date date  last UTC date, inclusive
SELECT
  ts,
  open,
  high,
  low,
  close,
  volume,
  vwap
FROM ohlcv.bars_hourly
WHERE "date" BETWEEN :start_date AND :end_date
  AND symbol = :symbol
ORDER BY ts, bar_count DESC

-- description: One-minute OHLCV bars of one symbol with the session VWAP, for the candlestick chart.
-- Source: ohlcv.bars (partition pruning by date and symbol); bars of other intervals are left out.
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
FROM ohlcv.bars
WHERE "date" BETWEEN :start_date AND :end_date
  AND symbol = :symbol
  AND "interval" = '1min'
ORDER BY ts

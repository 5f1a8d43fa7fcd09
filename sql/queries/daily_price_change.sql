-- description: Open, close, intraday change (close - open, absolute and relative) and daily return per symbol and date.
-- Source: bars_daily (partition pruning by month).
-- @param start_date date = 1970-01-01  first trade date, inclusive
-- @param end_date date = 9999-12-31  last trade date, inclusive
-- @param symbol string = ''  one symbol, or '' for all
SELECT
  symbol,
  trade_date,
  open,
  high,
  low,
  close,
  close - open AS price_change,
  close / open - 1 AS price_change_pct,
  daily_return
FROM bars_daily
WHERE "month" BETWEEN substr(:start_date, 1, 7) AND substr(:end_date, 1, 7)
  AND trade_date BETWEEN CAST(:start_date AS DATE) AND CAST(:end_date AS DATE)
  AND (:symbol = '' OR symbol = :symbol)
ORDER BY symbol, trade_date

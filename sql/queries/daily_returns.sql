-- description: Close, daily return, log return and cumulative return from the range start, per symbol and date.
-- Source: bars_daily (partition pruning by month). cumulative_return = close / first close in range - 1.
-- @param start_date date = 1970-01-01  first trade date, inclusive
-- @param end_date date = 9999-12-31  last trade date, inclusive
-- @param symbol string = ''  one symbol, or '' for all
SELECT
  symbol,
  trade_date,
  close,
  daily_return,
  log_return,
  close / first_value(close) OVER (PARTITION BY symbol ORDER BY trade_date) - 1 AS cumulative_return
FROM bars_daily
WHERE "month" BETWEEN substr(:start_date, 1, 7) AND substr(:end_date, 1, 7)
  AND trade_date BETWEEN CAST(:start_date AS DATE) AND CAST(:end_date AS DATE)
  AND (:symbol = '' OR symbol = :symbol)
ORDER BY symbol, trade_date

-- description: Close and absolute daily return against volume, per symbol and date (scatter of price move vs volume).
-- Source: bars_daily (partition pruning by month). Rows without volume are left out.
-- @param start_date date = 1970-01-01  first trade date, inclusive
-- @param end_date date = 9999-12-31  last trade date, inclusive
-- @param symbol string = ''  one symbol, or '' for all
SELECT
  symbol,
  trade_date,
  close,
  volume,
  daily_return,
  abs(daily_return) AS abs_return
FROM bars_daily
WHERE "month" BETWEEN substr(:start_date, 1, 7) AND substr(:end_date, 1, 7)
  AND trade_date BETWEEN CAST(:start_date AS DATE) AND CAST(:end_date AS DATE)
  AND volume IS NOT NULL
  AND (:symbol = '' OR symbol = :symbol)
ORDER BY symbol, trade_date

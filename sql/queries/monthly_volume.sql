-- description: Total and average daily volume per symbol and month.
-- Source: bars_daily (partition pruning by month). Symbols without volume (forex) give null volumes.
-- @param start_month month = 1970-01  first month, inclusive (YYYY-MM)
-- @param end_month month = 9999-12  last month, inclusive (YYYY-MM)
-- @param symbol string = ''  one symbol, or '' for all
SELECT
  symbol,
  "month",
  sum(volume) AS total_volume,
  avg(volume) AS avg_daily_volume,
  count(*) AS trading_days
FROM bars_daily
WHERE "month" BETWEEN :start_month AND :end_month
  AND (:symbol = '' OR symbol = :symbol)
GROUP BY symbol, "month"
ORDER BY symbol, "month"

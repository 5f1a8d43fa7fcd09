-- description: One daily row per (symbol, exchange, trade_date)
SELECT count(*) AS failed_rows
FROM (
  SELECT symbol, exchange, trade_date
  FROM daily_out
  WHERE is_context = 0
  GROUP BY symbol, exchange, trade_date
  HAVING count(*) > 1
) d

-- description: One bar per (symbol, exchange, interval, ts)
SELECT count(*) AS failed_rows
FROM (
  SELECT symbol, exchange, interval, ts
  FROM bars_out
  WHERE is_context = 0
  GROUP BY symbol, exchange, interval, ts
  HAVING count(*) > 1
) d

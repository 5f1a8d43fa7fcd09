-- description: One hourly row per (symbol, exchange, interval, ts)
SELECT count(*) AS failed_rows
FROM (
  SELECT symbol, exchange, interval, ts
  FROM hourly_out
  GROUP BY symbol, exchange, interval, ts
  HAVING count(*) > 1
) d

-- description: Monthly OHLC, volume and return per symbol; materialized as table monthly_summary (CTAS, partitioned by month).
-- Source: bars_daily, only the months asked for are read. The partition column comes last, as Athena CTAS requires;
-- Athena writes at most 100 partitions per CTAS, so materialize at most 100 months per run (INSERT INTO for more).
-- @materialize monthly_summary partitioned_by=month
-- @param start_month month = 1970-01  first month, inclusive (YYYY-MM)
-- @param end_month month = 9999-12  last month, inclusive (YYYY-MM)
WITH ranked AS (
  SELECT
    symbol,
    "month",
    trade_date,
    open,
    high,
    low,
    close,
    volume,
    log_return,
    row_number() OVER (PARTITION BY symbol, "month" ORDER BY trade_date ASC) AS first_rank,
    row_number() OVER (PARTITION BY symbol, "month" ORDER BY trade_date DESC) AS last_rank
  FROM bars_daily
  WHERE "month" BETWEEN :start_month AND :end_month
)
SELECT
  symbol,
  max(CASE WHEN first_rank = 1 THEN open END) AS open,
  max(high) AS high,
  min(low) AS low,
  max(CASE WHEN last_rank = 1 THEN close END) AS close,
  sum(volume) AS volume,
  exp(sum(log_return)) - 1 AS monthly_return,
  count(*) AS trading_days,
  "month"
FROM ranked
GROUP BY symbol, "month"

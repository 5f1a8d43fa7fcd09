-- description: Top and bottom K symbols by daily return on a date, or by compounded return over a date range.
-- Source: bars_daily. period_return = exp(sum(log_return)) - 1 over the days in range (= daily_return for one day).
-- @param start_date date = ''  the date, or the first date of the range; '' means the latest trade date
-- @param end_date date = ''  last date of the range; '' means start_date
-- @param k integer = 5  symbols per side
WITH bounds AS (
  SELECT d0, COALESCE(CAST(NULLIF(:end_date, '') AS DATE), d0) AS d1
  FROM (
    SELECT COALESCE(CAST(NULLIF(:start_date, '') AS DATE), (SELECT max(trade_date) FROM bars_daily WHERE :start_date = '')) AS d0
  ) s
),
period AS (
  SELECT
    b.symbol,
    exp(sum(b.log_return)) - 1 AS period_return,
    count(*) AS trading_days
  FROM bars_daily b
  CROSS JOIN bounds
  WHERE (:start_date = '' OR b."month" BETWEEN substr(:start_date, 1, 7) AND substr(COALESCE(NULLIF(:end_date, ''), :start_date), 1, 7))
    AND b.trade_date BETWEEN bounds.d0 AND bounds.d1
    AND b.log_return IS NOT NULL
  GROUP BY b.symbol
),
ranked AS (
  SELECT
    symbol,
    period_return,
    trading_days,
    row_number() OVER (ORDER BY period_return DESC, symbol) AS top_rank,
    row_number() OVER (ORDER BY period_return ASC, symbol) AS bottom_rank
  FROM period
)
SELECT 'top' AS side, top_rank AS rank, symbol, period_return, trading_days
FROM ranked
WHERE top_rank <= CAST(:k AS INTEGER)
UNION ALL
SELECT 'bottom' AS side, bottom_rank AS rank, symbol, period_return, trading_days
FROM ranked
WHERE bottom_rank <= CAST(:k AS INTEGER)
ORDER BY side DESC, rank

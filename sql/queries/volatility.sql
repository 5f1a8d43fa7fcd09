-- description: Rolling volatility: sample stddev of the last N daily returns incl. the current day, annualized by sqrt(252); null until N returns exist.
-- Source: bars_daily. Reads 2N+10 calendar days before start_date so the first rows in range have a full window.
-- @param start_date date = 1970-01-01  first trade date shown, inclusive
-- @param end_date date = 9999-12-31  last trade date shown, inclusive
-- @param window integer = 20  N, returns per window (20 or 60 are usual)
-- @param symbol string = ''  one symbol, or '' for all
WITH scoped AS (
  SELECT symbol, trade_date, daily_return
  FROM bars_daily
  WHERE "month" BETWEEN
      substr(CAST(CAST(:start_date AS DATE) - INTERVAL '1' DAY * (2 * CAST(:window AS INTEGER) + 10) AS VARCHAR), 1, 7)
      AND substr(:end_date, 1, 7)
    AND trade_date <= CAST(:end_date AS DATE)
    AND daily_return IS NOT NULL
    AND (:symbol = '' OR symbol = :symbol)
),
numbered AS (
  SELECT symbol, trade_date, daily_return,
    row_number() OVER (PARTITION BY symbol ORDER BY trade_date) AS rn
  FROM scoped
),
windowed AS (
  SELECT
    cur.symbol,
    cur.trade_date,
    cur.daily_return,
    count(prev.daily_return) AS returns_in_window,
    stddev_samp(prev.daily_return) AS sd
  FROM numbered cur
  JOIN numbered prev
    ON prev.symbol = cur.symbol
    AND prev.rn BETWEEN cur.rn - CAST(:window AS INTEGER) + 1 AND cur.rn
  WHERE cur.trade_date >= CAST(:start_date AS DATE)
  GROUP BY cur.symbol, cur.trade_date, cur.daily_return
)
SELECT
  symbol,
  trade_date,
  daily_return,
  CASE WHEN returns_in_window >= CAST(:window AS INTEGER) THEN sd END AS volatility,
  CASE WHEN returns_in_window >= CAST(:window AS INTEGER) THEN sd * sqrt(252) END AS annualized_volatility
FROM windowed
ORDER BY symbol, trade_date

-- description: Missing intraday bars inside each symbol's observed session (first to last bar), per symbol, day and interval.
-- Source: bars (partition pruning by date). Daily and longer intervals are left out.
-- @param start_date date = 1970-01-01  first date, inclusive
-- @param end_date date = 9999-12-31  last date, inclusive
-- @param interval string = ''  one bar interval (1min, 5min, 15min, 30min, 45min, 1h, 2h, 4h), or '' for all
-- @param symbol string = ''  one symbol, or '' for all
-- @param min_missing integer = 0  only days with at least this many missing bars (1 = days with gaps)
WITH scoped AS (
  SELECT
    symbol,
    "date",
    "interval",
    ts,
    CASE "interval"
      WHEN '1min' THEN 1 WHEN '5min' THEN 5 WHEN '15min' THEN 15 WHEN '30min' THEN 30
      WHEN '45min' THEN 45 WHEN '1h' THEN 60 WHEN '2h' THEN 120 WHEN '4h' THEN 240
    END AS step_minutes
  FROM bars
  WHERE "date" BETWEEN :start_date AND :end_date
    AND (:interval = '' OR "interval" = :interval)
    AND (:symbol = '' OR symbol = :symbol)
),
stepped AS (
  SELECT
    symbol,
    "date",
    "interval",
    ts,
    step_minutes,
    date_diff('minute', lag(ts) OVER (PARTITION BY symbol, "date", "interval" ORDER BY ts), ts) AS minutes_since_prev
  FROM scoped
  WHERE step_minutes IS NOT NULL
),
per_day AS (
  SELECT
    symbol,
    "date",
    "interval",
    min(ts) AS first_bar,
    max(ts) AS last_bar,
    count(*) AS actual_bars,
    CAST(floor(date_diff('minute', min(ts), max(ts)) / CAST(max(step_minutes) AS DOUBLE)) AS BIGINT) + 1 AS expected_bars,
    coalesce(max(minutes_since_prev), 0) - max(step_minutes) AS largest_gap_minutes
  FROM stepped
  GROUP BY symbol, "date", "interval"
)
SELECT
  symbol,
  "date",
  "interval",
  first_bar,
  last_bar,
  expected_bars,
  actual_bars,
  expected_bars - actual_bars AS missing_bars,
  greatest(largest_gap_minutes, 0) AS largest_gap_minutes
FROM per_day
WHERE expected_bars - actual_bars >= CAST(:min_missing AS INTEGER)
ORDER BY symbol, "date", "interval"

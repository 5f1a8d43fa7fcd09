-- The daily partitions (by month) a run reads: the existing months of the fresh daily
-- rows and the next existing month after each (its first daily_return may change), both
-- rewritten; the month before each rewritten one is read-only context (the previous
-- trading day's close). lake_partitions: the bars_daily partitions that exist (month).
WITH touched AS (
  SELECT DISTINCT substr(CAST(trade_date AS STRING), 1, 7) AS month FROM daily_fresh
),
next_existing AS (
  SELECT min(p.month) AS month
  FROM touched t
  JOIN lake_partitions p ON p.month > t.month
  WHERE p.month NOT IN (SELECT month FROM touched)
  GROUP BY t.month
),
rewritten AS (
  SELECT month FROM touched
  UNION
  SELECT month FROM next_existing
),
previous AS (
  SELECT max(p.month) AS month
  FROM rewritten r
  JOIN lake_partitions p ON p.month < r.month
  GROUP BY r.month
)
SELECT p.month, 0 AS is_context
FROM lake_partitions p
WHERE p.month IN (SELECT month FROM rewritten)
UNION
SELECT v.month, 1 AS is_context
FROM previous v
WHERE v.month NOT IN (SELECT month FROM rewritten)

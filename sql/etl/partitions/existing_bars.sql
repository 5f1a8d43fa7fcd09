-- The bars partitions a run reads: every existing (date, symbol) partition the run's
-- clean rows touch, per symbol the next existing partition after each touched one (its
-- first bar's pct_change may change), both rewritten (is_context = 0); and, read only
-- (is_context = 1), the partition before each rewritten one (the previous bar).
-- lake_partitions: the bars partitions that exist (date, symbol).
WITH touched AS (
  SELECT DISTINCT date, symbol FROM valid_bars
),
next_existing AS (
  SELECT t.symbol, min(p.date) AS date
  FROM touched t
  JOIN lake_partitions p ON p.symbol = t.symbol AND p.date > t.date
  WHERE NOT EXISTS (SELECT 1 FROM touched u WHERE u.symbol = p.symbol AND u.date = p.date)
  GROUP BY t.symbol, t.date
),
rewritten AS (
  SELECT date, symbol FROM touched
  UNION
  SELECT date, symbol FROM next_existing
),
previous AS (
  SELECT r.symbol, max(p.date) AS date
  FROM rewritten r
  JOIN lake_partitions p ON p.symbol = r.symbol AND p.date < r.date
  GROUP BY r.symbol, r.date
)
SELECT p.date, p.symbol, 0 AS is_context
FROM lake_partitions p
JOIN rewritten r ON r.symbol = p.symbol AND r.date = p.date
UNION
SELECT v.date, v.symbol, 1 AS is_context
FROM previous v
WHERE NOT EXISTS (SELECT 1 FROM rewritten r WHERE r.symbol = v.symbol AND r.date = v.date)

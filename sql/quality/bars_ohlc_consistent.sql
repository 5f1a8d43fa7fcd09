-- description: high >= max(open, close) and low <= min(open, close)
SELECT count(*) AS failed_rows
FROM bars_out
WHERE is_context = 0
  AND (high < greatest(open, close) OR low > least(open, close))

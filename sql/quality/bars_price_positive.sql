-- description: Prices are finite and greater than zero
SELECT count(*) AS failed_rows
FROM bars_out
WHERE is_context = 0
  AND NOT (open > 0 AND high > 0 AND low > 0 AND close > 0
    AND (open - open) = 0 AND (high - high) = 0 AND (low - low) = 0 AND (close - close) = 0)

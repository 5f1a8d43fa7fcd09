-- description: vwap is null exactly where volume is null or zero, otherwise positive and finite
SELECT count(*) AS failed_rows
FROM bars_out
WHERE is_context = 0
  AND CASE
    WHEN volume IS NULL OR volume = 0 THEN vwap IS NOT NULL
    ELSE vwap IS NULL OR NOT (vwap > 0 AND (vwap - vwap) = 0)
  END

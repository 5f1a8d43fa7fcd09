-- The hourly partitions (by date) a run rewrites: the existing ones of the dates whose
-- bars were rewritten. lake_partitions: the bars_hourly partitions that exist (date).
SELECT p.date, 0 AS is_context
FROM lake_partitions p
WHERE p.date IN (SELECT date FROM bars_out WHERE is_context = 0)

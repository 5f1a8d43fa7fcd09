-- The quarantine partitions (by the raw object's write date) a run rewrites: the
-- existing ones of this run's rejected rows. lake_partitions: the quarantine
-- partitions that exist (date).
SELECT p.date, 0 AS is_context
FROM lake_partitions p
WHERE p.date IN (SELECT date FROM quarantine_new)

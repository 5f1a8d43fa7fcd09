-- materialize: table
-- The run's row accounting: rows_in = rows_kept + rows_quarantined + duplicates,
-- where duplicates are new rows that lost the dedupe (exact copies or superseded
-- revisions).
SELECT
  (SELECT count(*) FROM validated_records) AS rows_in,
  (SELECT count(*) FROM dedupe_bars WHERE is_new = 1 AND revision_rank = 1) AS rows_kept,
  (SELECT count(*) FROM quarantine_new) AS rows_quarantined,
  (SELECT count(*) FROM dedupe_bars WHERE is_new = 1 AND revision_rank > 1) AS duplicates

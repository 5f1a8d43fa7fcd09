-- The run's row accounting: rows_in = rows_kept + rows_quarantined + duplicates,
-- where rows_kept are this run's clean rows that won the dedupe and duplicates the
-- ones that lost it (exact copies or superseded revisions).
SELECT
  rows_in, rows_kept, rows_quarantined, clean_rows - rows_kept AS duplicates
FROM (
  SELECT
    (SELECT count(*) FROM validated_records) AS rows_in,
    (SELECT count(*) FROM bars_out WHERE is_new = 1) AS rows_kept,
    (SELECT count(*) FROM quarantine_new) AS rows_quarantined,
    (SELECT count(*) FROM valid_bars) AS clean_rows
) c

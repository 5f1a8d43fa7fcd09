-- Every revision of a bar the dedupe chooses among: this run's clean rows plus the
-- existing rows of every partition to rewrite (is_context = 1: read only, the previous
-- partition holding the bar before). An existing row keeps its plan_version (NULL:
-- written before plan versions): it was not validated again, only carried over.
-- A view (read by 05_bar_revisions_repeat and by both branches of 05_dedupe_bars):
-- a CTE would do, but DuckDB stores a CTE that is read more than once.
SELECT * FROM valid_bars
UNION ALL
SELECT
  symbol, exchange, mic_code, currency, instrument_type, interval, ts,
  open, high, low, close, volume, source, ingested_at, raw_object,
  CAST(NULL AS BIGINT) AS line_number,
  date, plan_version, 0 AS is_new, is_context
FROM existing_bars

-- One row: whether any bar has more than one revision in bar_revisions. Most runs hold
-- one revision of each bar (a first drop, the next day's bars), and ranking them costs a
-- sort of every row by key and tie-break (1 s per 2M rows on DuckDB, a shuffle on Spark)
-- where this grouping costs a fifth of that (issue 16). 05_dedupe_bars ranks only when
-- a key repeats. Stored once: both of its branches read it.
SELECT count(*) > 0 AS any_key_repeats
FROM (
  SELECT 1 AS one
  FROM bar_revisions
  GROUP BY symbol, exchange, interval, ts
  HAVING count(*) > 1
) repeated

-- One row of two flags over bar_revisions, each choosing the cheaper of two equal
-- branches in a later step (issue 16). Stored once: both branches of each step read it.
-- any_key_repeats: some bar has more than one revision. Most runs hold one revision of
-- each bar (a first drop, the next day's bars), and ranking them costs a sort of every
-- row by key and tie-break (1 s per 2M rows on DuckDB, a shuffle on Spark) where this
-- grouping costs a fifth of that. 05_dedupe_bars ranks only when a key repeats.
-- any_huge_term: some bar has a VWAP term (typical price x volume, or volume) of 1e15
-- or more (never real data). 06_bars_out guards its exact running sums against such
-- terms only when one exists: the guard costs two more running windows (0.4 s per 2M
-- rows on DuckDB, 2.5 s per 10M). Checked over every revision, losers and context rows
-- included: a flag that is true without need only picks the guarded branch, which gives
-- the same values.
SELECT
  (
    SELECT count(*) > 0
    FROM (
      SELECT 1 AS one
      FROM bar_revisions
      GROUP BY symbol, exchange, interval, ts
      HAVING count(*) > 1
    ) repeated
  ) AS any_key_repeats,
  (
    SELECT COALESCE(bool_or(abs((high + low + close) / 3 * volume) >= 1e15 OR abs(volume) >= 1e15), false)
    FROM bar_revisions
  ) AS any_huge_term

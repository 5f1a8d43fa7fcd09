-- Sums are exact (DECIMAL) so they do not depend on the order the engine adds rows in
-- (threads, batches, input order); float sums differ in the last digits. Terms of
-- 1e15 and more (never real) fall back to the float sum rather than overflow.
-- Two branches compute the session windows, and exactly one has rows (issue 16): when
-- no bar in the run has a term of 1e15 or more (bar_revisions_repeat.any_huge_term, the
-- usual run), `fast` sums without the guard; otherwise `guarded` checks each session's
-- running max of the terms and falls back where one is that large. Both give the same
-- values in a run without huge terms; the guard's two running windows cost 0.4 s per
-- 2M rows on DuckDB (2.5 s per 10M). Each branch is its own subquery because DuckDB
-- rejects a WINDOW name defined twice in one UNION. (One SELECT choosing the formula by a
-- CASE on the flag would repeat nothing, but DuckDB still computes every window in
-- it: no gain when measured.)
-- The winners with their derived values. pct_change looks back across partitions
-- (the context rows supply the previous bar); vwap is the running session VWAP per
-- UTC date, null where the bar has no volume. is_new marks this run's winners (the
-- run counts).
-- One window partitioning (one sort) serves both (issue 16): the previous bar within
-- the day is LAG over the session, and the day's first bar takes the last close of the
-- symbol's previous date from `days` (one row per symbol-day, a grouping and a window
-- over a few thousand rows). These are the values of a LAG over the whole symbol, as a
-- date is the UTC date of its bars' ts. The join comes after the window, so the sort
-- carries only the winners' own columns.
-- The winners are read twice rather than shared in a CTE: DuckDB would keep a CTE read
-- twice as a full copy of the rows, and `days` needs 6 columns only. The cost of that:
-- in a run where some key repeats, 05's ranking runs for each read (in the usual run
-- without repeats, each read is a filtered scan).
WITH days AS (
  SELECT
    symbol, exchange, interval, date,
    LAG(last_close) OVER (PARTITION BY symbol, exchange, interval ORDER BY date) AS previous_close
  FROM (
    SELECT symbol, exchange, interval, date, max_by(close, ts) AS last_close
    FROM dedupe_bars
    WHERE revision_rank = 1
    GROUP BY symbol, exchange, interval, date
  ) d
)
SELECT
  w.symbol, w.exchange, w.mic_code, w.currency, w.instrument_type, w.interval, w.ts,
  w.open, w.high, w.low, w.close, w.volume,
  w.close / CASE WHEN w.first_of_day THEN p.previous_close ELSE w.previous_close_of_day END - 1 AS pct_change,
  w.vwap,
  w.source, w.ingested_at, w.raw_object, w.plan_version,
  w.date, w.is_context, w.is_new
FROM (
  SELECT * FROM (
    SELECT
      *,
      ROW_NUMBER() OVER session = 1 AS first_of_day,
      LAG(close) OVER session AS previous_close_of_day,
      CASE
        WHEN volume IS NULL OR volume = 0 THEN NULL
        ELSE
          {{exact_running_sum}}((high + low + close) / 3 * volume, session_to_date)
          / {{exact_running_sum}}(volume, session_to_date)
      END AS vwap
    FROM dedupe_bars
    WHERE revision_rank = 1 AND NOT (SELECT any_huge_term FROM bar_revisions_repeat)
    -- (LAG and ROW_NUMBER take no frame on Spark: session is the frameless twin of
    -- session_to_date; DuckDB sorts once for windows of the same partitioning and order.)
    WINDOW
      session AS (PARTITION BY symbol, exchange, interval, date ORDER BY ts),
      session_to_date AS (
        PARTITION BY symbol, exchange, interval, date
        ORDER BY ts
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      )
  ) fast
  UNION ALL
  SELECT * FROM (
    SELECT
      *,
      ROW_NUMBER() OVER session = 1 AS first_of_day,
      LAG(close) OVER session AS previous_close_of_day,
      CASE
        WHEN volume IS NULL OR volume = 0 THEN NULL
        ELSE
          (CASE WHEN max(abs(((high + low + close) / 3 * volume))) OVER session_to_date < 1e15 THEN {{exact_running_sum}}(CASE WHEN abs(((high + low + close) / 3 * volume)) < 1e15 THEN ((high + low + close) / 3 * volume) END, session_to_date) ELSE sum(((high + low + close) / 3 * volume)) OVER session_to_date END)
          / (CASE WHEN max(abs(volume)) OVER session_to_date < 1e15 THEN {{exact_running_sum}}(CASE WHEN abs(volume) < 1e15 THEN volume END, session_to_date) ELSE sum(volume) OVER session_to_date END)
      END AS vwap
    FROM dedupe_bars
    WHERE revision_rank = 1 AND (SELECT any_huge_term FROM bar_revisions_repeat)
    WINDOW
      session AS (PARTITION BY symbol, exchange, interval, date ORDER BY ts),
      session_to_date AS (
        PARTITION BY symbol, exchange, interval, date
        ORDER BY ts
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      )
  ) guarded
) w
LEFT JOIN days p
  ON p.symbol IS NOT DISTINCT FROM w.symbol AND p.exchange IS NOT DISTINCT FROM w.exchange
    AND p.interval IS NOT DISTINCT FROM w.interval AND p.date IS NOT DISTINCT FROM w.date

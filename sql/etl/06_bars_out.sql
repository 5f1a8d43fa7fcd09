-- The winners with their derived values. pct_change looks back across partitions
-- (the context rows supply the previous bar); vwap is the running session VWAP per
-- UTC date, null where the bar has no volume. is_new marks this run's winners (the
-- run counts).
-- One window (one sort) serves both: the previous bar of the day is LAG over the
-- session window, and the first bar of a day takes the last close of the symbol's
-- previous date from `days` (one row per symbol-day). The same values as a LAG over
-- the whole symbol, as a date is the UTC date of its bars' ts, for a second sort less.
-- Sums are exact (DECIMAL) so they do not depend on the order the engine adds rows in
-- (threads, batches, input order); float sums differ in the last digits. A term of
-- 1e15 or more (never real) would overflow the exact sum: such terms are added as
-- floats, apart, and the two sums added (exact whenever no such term occurs).
-- The winners are read twice rather than shared in a CTE: DuckDB would keep a CTE read
-- twice as a full copy of the rows (+25 % peak memory), and `days` needs 6 columns only.
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
  w.close / CASE
    WHEN LAG(w.ts) OVER session IS NULL THEN p.previous_close
    ELSE LAG(w.close) OVER session
  END - 1 AS pct_change,
  CASE
    WHEN w.volume IS NULL OR w.volume = 0 THEN NULL
    ELSE
      (COALESCE({{exact_running_sum}}(CASE WHEN abs((w.high + w.low + w.close) / 3 * w.volume) < 1e15 THEN (w.high + w.low + w.close) / 3 * w.volume END, session_to_date), 0)
        + COALESCE(sum(CASE WHEN NOT abs((w.high + w.low + w.close) / 3 * w.volume) < 1e15 THEN (w.high + w.low + w.close) / 3 * w.volume END) OVER session_to_date, 0))
      / (COALESCE({{exact_running_sum}}(CASE WHEN abs(w.volume) < 1e15 THEN w.volume END, session_to_date), 0)
        + COALESCE(sum(CASE WHEN NOT abs(w.volume) < 1e15 THEN w.volume END) OVER session_to_date, 0))
  END AS vwap,
  w.source, w.ingested_at, w.raw_object, w.plan_version,
  w.date, w.is_context, w.is_new
FROM (SELECT * FROM dedupe_bars WHERE revision_rank = 1) w
LEFT JOIN days p
  ON p.symbol IS NOT DISTINCT FROM w.symbol AND p.exchange IS NOT DISTINCT FROM w.exchange
    AND p.interval IS NOT DISTINCT FROM w.interval AND p.date IS NOT DISTINCT FROM w.date
-- (LAG takes no frame on Spark: session is the frameless twin of session_to_date; DuckDB
-- sorts once for windows of the same partitioning and order.)
WINDOW
  session AS (PARTITION BY w.symbol, w.exchange, w.interval, w.date ORDER BY w.ts),
  session_to_date AS (
    PARTITION BY w.symbol, w.exchange, w.interval, w.date
    ORDER BY w.ts
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  )

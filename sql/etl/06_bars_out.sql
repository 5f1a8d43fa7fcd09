-- Sums are exact (DECIMAL) so they do not depend on the order the engine adds rows in
-- (threads, batches, input order); float sums differ in the last digits. Terms of
-- 1e15 and more (never real) fall back to the float sum rather than overflow.
-- The winners with their derived values. pct_change looks back across partitions
-- (the context rows supply the previous bar); vwap is the running session VWAP per
-- UTC date, null where the bar has no volume. is_new marks this run's winners (the
-- run counts).
SELECT
  symbol, exchange, mic_code, currency, instrument_type, interval, ts,
  open, high, low, close, volume,
  close / LAG(close) OVER (PARTITION BY symbol, exchange, interval ORDER BY ts) - 1 AS pct_change,
  CASE
    WHEN volume IS NULL OR volume = 0 THEN NULL
    ELSE
      (CASE WHEN max(abs(((high + low + close) / 3 * volume))) OVER session_to_date < 1e15 THEN {{exact_running_sum}}(CASE WHEN abs(((high + low + close) / 3 * volume)) < 1e15 THEN ((high + low + close) / 3 * volume) END, session_to_date) ELSE sum(((high + low + close) / 3 * volume)) OVER session_to_date END)
      / (CASE WHEN max(abs(volume)) OVER session_to_date < 1e15 THEN {{exact_running_sum}}(CASE WHEN abs(volume) < 1e15 THEN volume END, session_to_date) ELSE sum(volume) OVER session_to_date END)
  END AS vwap,
  source, ingested_at, raw_object, plan_version,
  date, is_context, is_new
FROM dedupe_bars
WHERE revision_rank = 1
WINDOW session_to_date AS (
  PARTITION BY symbol, exchange, interval, date
  ORDER BY ts
  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
)

-- Sums are exact (DECIMAL) so they do not depend on the order the engine adds rows in
-- (threads, batches, input order); float sums differ in the last digits. Terms of
-- 1e15 and more (never real) fall back to the float sum rather than overflow.
-- Hourly rollup of every rewritten bars partition (complete symbol-days), intraday
-- intervals up to one hour only. vwap over the hour's bars that have volume.
SELECT
  b.symbol, b.exchange,
  max_by(b.mic_code, b.ts) AS mic_code,
  max_by(b.currency, b.ts) AS currency,
  max_by(b.instrument_type, b.ts) AS instrument_type,
  b.interval,
  date_trunc('hour', b.ts) AS ts,
  min_by(b.open, b.ts) AS open,
  max(b.high) AS high,
  min(b.low) AS low,
  max_by(b.close, b.ts) AS close,
  CASE WHEN max(abs(b.volume)) < 1e15 THEN CAST(sum(CAST(CASE WHEN abs(b.volume) < 1e15 THEN b.volume END AS DECIMAL(38, 18))) AS DOUBLE) ELSE sum(b.volume) END AS volume,
  (CASE WHEN max(abs((CASE WHEN b.volume > 0 THEN (b.high + b.low + b.close) / 3 * b.volume END))) < 1e15 THEN CAST(sum(CAST(CASE WHEN abs((CASE WHEN b.volume > 0 THEN (b.high + b.low + b.close) / 3 * b.volume END)) < 1e15 THEN (CASE WHEN b.volume > 0 THEN (b.high + b.low + b.close) / 3 * b.volume END) END AS DECIMAL(38, 18))) AS DOUBLE) ELSE sum((CASE WHEN b.volume > 0 THEN (b.high + b.low + b.close) / 3 * b.volume END)) END)
    / (CASE WHEN max(abs((CASE WHEN b.volume > 0 THEN b.volume END))) < 1e15 THEN CAST(sum(CAST(CASE WHEN abs((CASE WHEN b.volume > 0 THEN b.volume END)) < 1e15 THEN (CASE WHEN b.volume > 0 THEN b.volume END) END AS DECIMAL(38, 18))) AS DOUBLE) ELSE sum((CASE WHEN b.volume > 0 THEN b.volume END)) END) AS vwap,
  count(*) AS bar_count,
  b.date
FROM bars_out b
JOIN intervals i ON i.interval = b.interval
WHERE b.is_context = 0 AND i.minutes <= 60
GROUP BY b.symbol, b.exchange, b.interval, date_trunc('hour', b.ts), b.date

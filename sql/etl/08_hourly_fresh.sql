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
  sum(b.volume) AS volume,
  sum(CASE WHEN b.volume > 0 THEN (b.high + b.low + b.close) / 3 * b.volume END)
    / sum(CASE WHEN b.volume > 0 THEN b.volume END) AS vwap,
  count(*) AS bar_count,
  b.date
FROM bars_out b
JOIN intervals i ON i.interval = b.interval
WHERE b.is_context = 0 AND i.minutes <= 60
GROUP BY b.symbol, b.exchange, b.interval, date_trunc('hour', b.ts), b.date

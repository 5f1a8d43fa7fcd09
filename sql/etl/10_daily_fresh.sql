-- Sums are exact (DECIMAL) so they do not depend on the order the engine adds rows in
-- (threads, batches, input order); float sums differ in the last digits. Terms of
-- 1e15 and more (never real) fall back to the float sum rather than overflow.
-- One daily row per symbol, exchange and UTC date of the rewritten symbol-days. A
-- source daily bar (1day) is taken as is; otherwise the finest intraday interval
-- present that day is rolled up, so two intervals of one symbol never double count.
-- Each interval is rolled up first (cheap, few rows), then one is chosen per day.
SELECT
  symbol, exchange, mic_code, currency, instrument_type, trade_date,
  open, high, low, close, volume, vwap, bar_count
FROM (
  SELECT
    per_interval.*,
    ROW_NUMBER() OVER (
      PARTITION BY symbol, exchange, trade_date
      ORDER BY CASE WHEN minutes = 1440 THEN 0 ELSE minutes END
    ) AS interval_rank
  FROM (
    SELECT
      b.symbol, b.exchange, i.minutes,
      max_by(b.mic_code, b.ts) AS mic_code,
      max_by(b.currency, b.ts) AS currency,
      max_by(b.instrument_type, b.ts) AS instrument_type,
      CAST(b.ts AS DATE) AS trade_date,
      min_by(b.open, b.ts) AS open,
      max(b.high) AS high,
      min(b.low) AS low,
      max_by(b.close, b.ts) AS close,
      CASE WHEN max(abs(b.volume)) < 1e15 THEN CAST(sum(CAST(CASE WHEN abs(b.volume) < 1e15 THEN b.volume END AS DECIMAL(38, 18))) AS DOUBLE) ELSE sum(b.volume) END AS volume,
      (CASE WHEN max(abs((CASE WHEN b.volume > 0 THEN (b.high + b.low + b.close) / 3 * b.volume END))) < 1e15 THEN CAST(sum(CAST(CASE WHEN abs((CASE WHEN b.volume > 0 THEN (b.high + b.low + b.close) / 3 * b.volume END)) < 1e15 THEN (CASE WHEN b.volume > 0 THEN (b.high + b.low + b.close) / 3 * b.volume END) END AS DECIMAL(38, 18))) AS DOUBLE) ELSE sum((CASE WHEN b.volume > 0 THEN (b.high + b.low + b.close) / 3 * b.volume END)) END)
        / (CASE WHEN max(abs((CASE WHEN b.volume > 0 THEN b.volume END))) < 1e15 THEN CAST(sum(CAST(CASE WHEN abs((CASE WHEN b.volume > 0 THEN b.volume END)) < 1e15 THEN (CASE WHEN b.volume > 0 THEN b.volume END) END AS DECIMAL(38, 18))) AS DOUBLE) ELSE sum((CASE WHEN b.volume > 0 THEN b.volume END)) END) AS vwap,
      count(*) AS bar_count
    FROM bars_out b
    JOIN intervals i ON i.interval = b.interval
    WHERE b.is_context = 0 AND i.minutes <= 1440
    GROUP BY b.symbol, b.exchange, i.minutes, CAST(b.ts AS DATE)
  ) per_interval
) ranked
WHERE interval_rank = 1

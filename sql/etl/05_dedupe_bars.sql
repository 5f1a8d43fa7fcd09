-- New rows plus the existing rows of every partition to rewrite (is_context = 1:
-- read only, the previous partition holding the bar before). One winner per
-- (symbol, exchange, interval, ts): latest ingested_at, then raw object key, then
-- line; a tie between an existing row and a new one is the same row read again,
-- and the new copy is kept. The result is the same whatever the arrival order.
-- An existing row keeps its plan_version (NULL: written before plan versions): it was not
-- validated again, only carried over; a new copy that wins carries this run's.
-- A view: bars_out reads only the winners, so the ranked rows are never stored.
-- Only keys that occur more than once are ranked (one hash aggregate finds them): a
-- key with one row is its own winner, and sorting every row on eight keys to learn
-- that cost more than the rest of the step (issue 16). Keys compare NULL-safe, as
-- PARTITION BY groups them. The union of new and existing rows is spelled out in each
-- of its three places rather than shared in a CTE: DuckDB keeps a CTE read more than
-- once as a full copy of its rows (+40 % peak memory and more time than the sort saved).
WITH repeated AS (
  SELECT symbol, exchange, interval, ts
  FROM (
    SELECT symbol, exchange, interval, ts FROM valid_bars
    UNION ALL
    SELECT symbol, exchange, interval, ts FROM existing_bars
  ) u
  GROUP BY symbol, exchange, interval, ts
  HAVING count(*) > 1
)
SELECT c.*, CAST(1 AS BIGINT) AS revision_rank
FROM (
  SELECT * FROM valid_bars
  UNION ALL
  SELECT
    symbol, exchange, mic_code, currency, instrument_type, interval, ts,
    open, high, low, close, volume, source, ingested_at, raw_object,
    CAST(NULL AS BIGINT) AS line_number,
    date, plan_version, 0 AS is_new, is_context
  FROM existing_bars
) c
WHERE NOT EXISTS (
  SELECT 1 FROM repeated r
  WHERE r.symbol IS NOT DISTINCT FROM c.symbol AND r.exchange IS NOT DISTINCT FROM c.exchange
    AND r.interval IS NOT DISTINCT FROM c.interval AND r.ts IS NOT DISTINCT FROM c.ts
)
UNION ALL
SELECT
  c.*,
  ROW_NUMBER() OVER (
    PARTITION BY c.symbol, c.exchange, c.interval, c.ts
    ORDER BY c.ingested_at DESC, c.raw_object DESC, c.line_number DESC, c.is_new DESC
  ) AS revision_rank
FROM (
  SELECT * FROM valid_bars
  UNION ALL
  SELECT
    symbol, exchange, mic_code, currency, instrument_type, interval, ts,
    open, high, low, close, volume, source, ingested_at, raw_object,
    CAST(NULL AS BIGINT) AS line_number,
    date, plan_version, 0 AS is_new, is_context
  FROM existing_bars
) c
JOIN repeated r
  ON r.symbol IS NOT DISTINCT FROM c.symbol AND r.exchange IS NOT DISTINCT FROM c.exchange
    AND r.interval IS NOT DISTINCT FROM c.interval AND r.ts IS NOT DISTINCT FROM c.ts

-- description: symbol, interval, ts, prices, source, ingested_at and raw_object are present
SELECT count(*) AS failed_rows
FROM bars_out
WHERE is_context = 0
  AND (symbol IS NULL OR interval IS NULL OR ts IS NULL OR open IS NULL OR high IS NULL
    OR low IS NULL OR close IS NULL OR source IS NULL OR ingested_at IS NULL OR raw_object IS NULL)

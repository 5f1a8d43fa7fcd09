-- description: The UTC dates on which each symbol has bars, per bar kind (1min, 1h, 1day), for the default window over all symbols.
-- Source: ohlcv.bars, ohlcv.bars_hourly, ohlcv.bars_daily (every partition: one row per symbol and day).
SELECT '1day' AS kind, symbol, CAST(trade_date AS VARCHAR) AS day
FROM ohlcv.bars_daily
GROUP BY symbol, trade_date
UNION ALL
SELECT '1h' AS kind, symbol, "date" AS day
FROM ohlcv.bars_hourly
GROUP BY symbol, "date"
UNION ALL
SELECT '1min' AS kind, symbol, "date" AS day
FROM ohlcv.bars
WHERE "interval" = '1min'
GROUP BY symbol, "date"
ORDER BY kind, symbol, day

-- description: The UTC dates on which one symbol has bars, per bar kind (1min, 1h, 1day), for the default window.
-- Source: ohlcv.bars (partition pruning by symbol), ohlcv.bars_hourly, ohlcv.bars_daily.
-- @param symbol string  the symbol
SELECT '1day' AS kind, CAST(trade_date AS VARCHAR) AS day
FROM ohlcv.bars_daily
WHERE symbol = :symbol
GROUP BY trade_date
UNION ALL
SELECT '1h' AS kind, "date" AS day
FROM ohlcv.bars_hourly
WHERE symbol = :symbol
GROUP BY "date"
UNION ALL
SELECT '1min' AS kind, "date" AS day
FROM ohlcv.bars
WHERE symbol = :symbol AND "interval" = '1min'
GROUP BY "date"
ORDER BY kind, day

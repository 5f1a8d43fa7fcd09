-- bars_daily: Bars rolled up by UTC date. Partitioned by month: about 21 rows a symbol per file.
-- Partition columns are not repeated as data columns (Glue rejects duplicates); where the
-- Parquet files also carry one (bars.symbol), the partition value is what queries see.
-- The LOCATION placeholder is filled in at deploy with the table location, e.g. s3://<bucket>/processed/bars_daily/.
CREATE EXTERNAL TABLE IF NOT EXISTS ohlcv.bars_daily (
  `symbol`           string COMMENT 'Ticker as the source spells it, e.g. AAPL, BTC/USD',
  `exchange`         string COMMENT 'Exchange name; \'\' when the source gives none',
  `mic_code`         string COMMENT 'ISO 10383 market identifier',
  `currency`         string COMMENT 'Quote currency',
  `instrument_type`  string COMMENT 'Common Stock, Digital Currency, Physical Currency, ...',
  `trade_date`       date COMMENT 'UTC date',
  `open`             double,
  `high`             double,
  `low`              double,
  `close`            double,
  `volume`           double,
  `vwap`             double,
  `bar_count`        bigint,
  `daily_return`     double COMMENT 'close / previous trading day\'s close - 1',
  `log_return`       double COMMENT 'ln(1 + daily_return)',
  `plan_version`     string COMMENT 'Plan version that rolled the row up; NULL = written before plan versions'
)
COMMENT 'Bars rolled up by UTC date. Partitioned by month: about 21 rows a symbol per file.'
PARTITIONED BY (
  `month` string COMMENT 'UTC month, YYYY-MM'
)
STORED AS PARQUET
LOCATION '{{location}}'
TBLPROPERTIES ('parquet.compression' = 'SNAPPY', 'classification' = 'parquet')
